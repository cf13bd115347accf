package io.tollgate.receipts;

import java.util.List;

/**
 * The record of one request.
 *
 * @param outcome {@code succeeded}, {@code failed} (every leg failed or the stream broke), {@code rejected}
 *     (refused before any upstream call), {@code client_disconnected}, or {@code interrupted} (the gateway
 *     stopped mid-request; written by start-up recovery)
 * @param priceVersion the price-table version the cost was computed with
 * @param holdMicros the worst case reserved before the successful attempt
 * @param costMicros what the usage cost at the applied prices
 * @param charged whether money moved for this request
 * @param chargedMicros what was taken from the wallet; below {@code costMicros} only when usage exceeded the
 *     hold and the balance could not cover the excess ({@code uncollectedMicros})
 * @param transferId the ledger transfer of the charge
 */
public record Receipt(
    String id,
    long createdAtMs,
    String accountId,
    String projectId,
    String keyId,
    String endpoint,
    String requestedModel,
    String routeType,
    boolean stream,
    String outcome,
    int httpStatus,
    String errorCode,
    String leg,
    String channel,
    String upstreamModel,
    boolean fallback,
    String fallbackReason,
    List<Attempt> attempts,
    Usage usage,
    String bucket,
    AppliedPrice prices,
    Long priceVersion,
    Long holdMicros,
    Long costMicros,
    boolean charged,
    Long chargedMicros,
    Long uncollectedMicros,
    String transferId,
    Long balanceBeforeMicros,
    Long balanceAfterMicros,
    long durationMs) {}

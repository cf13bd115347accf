package io.tollgate.receipts;

import java.util.List;

/**
 * The record of one request.
 *
 * @param outcome {@code succeeded}, {@code failed} (every leg failed or the stream broke), {@code rejected}
 *     (refused before any upstream call) or {@code client_disconnected}
 * @param charged whether money moved for this request
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
    Long costMicros,
    boolean charged,
    long durationMs) {}

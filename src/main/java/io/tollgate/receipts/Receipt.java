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
 * @param exceededHold true when the usage cost more than the hold reserved (an upstream billing more prompt than
 *     the gateway counted, or writing past the cap it was sent); the excess is charged, and later holds on the route
 *     learn from it. Null otherwise.
 * @param excessMicros by how much the cost exceeded the hold, when it did
 * @param delivery {@code failed} when the answer was settled (and charged) but could not be written to the client,
 *     because it had left or the write failed: support's list of charges to look at. Null otherwise.
 * @param run the research run this request was a section of ({@code x-tollgate-run}); null otherwise
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
    long durationMs,
    Boolean exceededHold,
    Long excessMicros,
    String delivery,
    String run) {

  public static final String DELIVERY_FAILED = "failed";
  /**
   * The outcome of the receipt a request has while it moves on from a failed leg to the next: its final receipt
   * replaces it, or recovery does (outcome {@code interrupted}) when the process died first.
   */
  public static final String IN_PROGRESS = "in_progress";

  /** Whether this is the provisional receipt of a request that was moving on to another leg. */
  public boolean provisional() {
    return !charged && IN_PROGRESS.equals(outcome);
  }
}

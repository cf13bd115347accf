package io.tollgate.receipts;

/**
 * One upstream attempt.
 *
 * @param leg "primary" or "backup-N"
 * @param outcome {@code ok}, {@code connect_error}, {@code timeout_connect}, {@code timeout_first_byte},
 *     {@code timeout_idle}, {@code timeout_total}, {@code http_429}, {@code http_5xx}, {@code http_4xx},
 *     {@code malformed_response}, {@code stream_broken}, {@code client_disconnected}, {@code client_too_slow} (the
 *     client read a stream too slowly: no fault of the channel's), or {@code skipped_...} for a leg never called
 * @param status the upstream HTTP status, when one arrived
 * @param charged whether this attempt is the one the request was charged for
 */
public record Attempt(
    String leg,
    String channel,
    String upstreamModel,
    String bucket,
    String outcome,
    Integer status,
    String error,
    long latencyMs,
    boolean charged) {

  public Attempt withCharged(boolean value) {
    return new Attempt(leg, channel, upstreamModel, bucket, outcome, status, error, latencyMs, value);
  }
}

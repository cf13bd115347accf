package io.tollgate.ledger;

/**
 * What a hold was taken for, stored with it so that start-up recovery can write the request's receipt even
 * when the gateway stopped before the request finished.
 *
 * @param run the research run the request is a section of ({@code x-tollgate-run}), or null
 */
public record HoldContext(
    String requestId,
    String accountId,
    String projectId,
    String keyId,
    String endpoint,
    String model,
    String routeType,
    String leg,
    String channel,
    String upstreamModel,
    long promptTokens,
    boolean stream,
    long createdAtMs,
    String run) {

  /** A context without a research run. */
  public HoldContext(String requestId, String accountId, String projectId, String keyId, String endpoint, String model,
      String routeType, String leg, String channel, String upstreamModel, long promptTokens, boolean stream, long createdAtMs) {
    this(requestId, accountId, projectId, keyId, endpoint, model, routeType, leg, channel, upstreamModel, promptTokens, stream,
        createdAtMs, null);
  }
}

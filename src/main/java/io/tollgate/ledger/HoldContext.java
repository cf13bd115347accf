package io.tollgate.ledger;

/**
 * What a hold was taken for, stored with it so that start-up recovery can write the request's receipt even
 * when the gateway stopped before the request finished.
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
    long createdAtMs) {}

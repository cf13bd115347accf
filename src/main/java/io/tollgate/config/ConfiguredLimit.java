package io.tollgate.config;

/**
 * A route or channel limit from the YAML file, validated but not yet interpreted (the limits package does that).
 *
 * @param scope {@code route} or {@code channel}
 * @param metric {@code spend}, {@code tokens} or {@code requests}
 * @param window {@code minute}, {@code day}, {@code month} or {@code lifetime}
 * @param cap micro-units for spend, a count otherwise
 * @param perAccount true when the limit applies to each account separately, false when operator-wide
 */
public record ConfiguredLimit(
    String scope,
    String model,
    RouteType routeType,
    String channel,
    String metric,
    Bucket bucket,
    String window,
    long cap,
    boolean perAccount) {}

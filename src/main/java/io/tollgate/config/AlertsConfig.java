package io.tollgate.config;

import java.net.URI;
import java.util.List;

/**
 * Budget alerts: when a limit's settled spend (or tokens, or requests) crosses one of {@code thresholdsPercent} of
 * its cap, and when a limit first refuses a request in its window (100 %), the gateway logs a line and, when
 * {@code webhookUrl} is set, posts the alert there as JSON.
 *
 * @param webhookUrl where alerts are posted, or null to only log them
 * @param thresholdsPercent increasing percentages from 1 to 100
 */
public record AlertsConfig(URI webhookUrl, List<Integer> thresholdsPercent) {
  public static final AlertsConfig DEFAULTS = new AlertsConfig(null, List.of(50, 80, 100));
}

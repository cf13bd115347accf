package io.tollgate.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the researcher reads daily bars.
 *
 * @param source {@code sample} (the bundled synthetic set), {@code csv} (a directory of {@code SYMBOL.csv}) or
 *     {@code http} (the daily-bars CSV format at {@code baseUrl})
 * @param directory for {@code csv}; null otherwise
 * @param baseUrl for {@code http}; null otherwise
 * @param cacheTtl how long fetched bars are reused
 */
public record MarketDataConfig(String source, Path directory, String baseUrl, long timeoutMs, Duration cacheTtl) {
  public static final MarketDataConfig SAMPLE = new MarketDataConfig("sample", null, null, 10_000, Duration.ofMinutes(15));
}

package io.tollgate.research;

import io.tollgate.config.MarketDataConfig;
import io.tollgate.research.data.CachedMarketData;
import io.tollgate.research.data.CsvDirectory;
import io.tollgate.research.data.HttpDailyBars;
import io.tollgate.research.data.MarketData;
import io.tollgate.research.data.SampleData;
import io.vertx.core.Vertx;
import java.time.Clock;

/** The cached market data of the configured source; a reload that changes the source gets a new one. */
final class MarketDataSources {
  private final Vertx vertx;
  private final Clock clock;
  private MarketDataConfig current;
  private CachedMarketData cached;

  MarketDataSources(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  synchronized CachedMarketData of(MarketDataConfig config) {
    if (!config.equals(current)) {
      MarketData source = switch (config.source()) {
        case "csv" -> new CsvDirectory(vertx, config.directory());
        case "http" -> new HttpDailyBars(vertx, config.baseUrl(), config.timeoutMs());
        default -> new SampleData();
      };
      cached = new CachedMarketData(source, clock, config.cacheTtl());
      current = config;
    }
    return cached;
  }
}

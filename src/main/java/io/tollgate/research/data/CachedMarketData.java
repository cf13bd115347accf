package io.tollgate.research.data;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caches another source's answers per symbol for a while, and counts what it did: fetches from the source and
 * answers from the cache, for the run receipt. Concurrent asks for one symbol share one fetch; a failed fetch is not
 * kept.
 */
public final class CachedMarketData implements MarketData {
  private final MarketData source;
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  private final AtomicLong fetches = new AtomicLong();
  private final AtomicLong hits = new AtomicLong();

  private record Entry(Future<Bars> bars, long fetchedAtMs) {}

  /** What the cache did for one ask. */
  public record Fetch(Bars bars, boolean fromCache) {}

  public CachedMarketData(MarketData source, Clock clock, Duration ttl) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: >= 0)");
    }
    this.source = source;
    this.clock = clock;
    this.ttl = ttl;
  }

  @Override
  public Future<Bars> daily(String symbol) {
    return fetch(symbol).map(Fetch::bars);
  }

  /** The bars of {@code symbol}, saying whether they came from the cache. */
  public Future<Fetch> fetch(String symbol) {
    String key;
    try {
      key = MarketData.checkSymbol(symbol);
    } catch (MarketDataException e) {
      return Future.failedFuture(e);
    }
    long now = clock.millis();
    boolean[] fetched = {false};
    Entry entry = cache.compute(key, (k, old) -> {
      if (old != null && now - old.fetchedAtMs() < ttl.toMillis() && !old.bars().failed()) {
        return old;
      }
      fetched[0] = true;
      return new Entry(source.daily(k), now);
    });
    if (fetched[0]) {
      fetches.incrementAndGet();
    } else {
      hits.incrementAndGet();
    }
    return entry.bars().onFailure(e -> cache.remove(key, entry)).map(bars -> new Fetch(bars, !fetched[0]));
  }

  /** Asks answered by the source. */
  public long fetches() {
    return fetches.get();
  }

  /** Asks answered from the cache. */
  public long hits() {
    return hits.get();
  }

  @Override
  public String describe() {
    return source.describe();
  }
}

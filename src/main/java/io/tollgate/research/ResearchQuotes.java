package io.tollgate.research;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Research quotes until they expire, in memory: a quote lives minutes, and a restarted gateway asks for a new one
 * (its prices or health may have changed anyway).
 */
final class ResearchQuotes {
  private final Clock clock;
  private final Map<String, ResearchQuote> byId = new ConcurrentHashMap<>();

  ResearchQuotes(Clock clock) {
    this.clock = clock;
  }

  void put(ResearchQuote quote) {
    long now = clock.millis();
    byId.values().removeIf(q -> q.expiresAtMs() <= now);
    byId.put(quote.id(), quote);
  }

  /** The quote, while it has not expired. */
  Optional<ResearchQuote> live(String id) {
    ResearchQuote q = byId.get(id);
    return q == null || q.expiresAtMs() <= clock.millis() ? Optional.empty() : Optional.of(q);
  }

  /** Takes the quote: a quote starts at most one run. */
  boolean take(ResearchQuote quote) {
    return byId.remove(quote.id(), quote);
  }
}

package io.tollgate.config;

import java.time.Duration;
import java.util.Map;

/**
 * The AI Researcher: where its market data comes from, how long a research quote stays valid, and its modes as
 * declarative plans. {@link #DISABLED} (no {@code research:} section) turns the research endpoints off.
 *
 * @param modes by name, in declaration order
 */
public record ResearchConfig(MarketDataConfig data, Duration quoteTtl, Map<String, ResearchMode> modes) {
  public static final ResearchConfig DISABLED = new ResearchConfig(MarketDataConfig.SAMPLE, Duration.ofMinutes(10), Map.of());

  public ResearchConfig {
    modes = Map.copyOf(new java.util.LinkedHashMap<>(modes));
  }

  public boolean enabled() {
    return !modes.isEmpty();
  }

  public ResearchMode mode(String name) {
    return modes.get(name);
  }
}

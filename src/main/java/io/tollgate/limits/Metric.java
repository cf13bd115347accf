package io.tollgate.limits;

import java.util.Locale;

/** What a limit counts: money of one bucket, tokens (input plus output) or requests. */
public enum Metric {
  SPEND, TOKENS, REQUESTS;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Metric parse(String name) {
    for (Metric m : values()) {
      if (m.wireName().equalsIgnoreCase(name)) {
        return m;
      }
    }
    return null;
  }
}

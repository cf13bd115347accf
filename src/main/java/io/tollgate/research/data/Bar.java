package io.tollgate.research.data;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/** One trading day. Prices are decimals as the source wrote them; volume is a share count. */
public record Bar(LocalDate date, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close, long volume) {
  public Bar {
    Objects.requireNonNull(date, "date");
    Objects.requireNonNull(open, "open");
    Objects.requireNonNull(high, "high");
    Objects.requireNonNull(low, "low");
    Objects.requireNonNull(close, "close");
    if (volume < 0) {
      throw new IllegalArgumentException("volume: " + volume + " (expected: >= 0)");
    }
  }
}

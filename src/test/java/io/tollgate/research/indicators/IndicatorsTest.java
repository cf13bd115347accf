package io.tollgate.research.indicators;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.research.data.Bar;
import io.tollgate.research.data.Bars;
import io.tollgate.research.data.SampleData;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Indicator values against fixtures computed by hand in exact rational arithmetic, following the definitions in
 * {@link Indicators}, and rounded half-even to the documented precision (percent and RSI: 2 decimals; prices: 4;
 * volume ratio: 2). The rounded values must match exactly.
 */
class IndicatorsTest {
  /** 30 closes; high = close + 2; low = close - 1 - (i mod 3); volume = 1000 + 100 * (i mod 7). */
  static final int[] CLOSES = {100, 102, 101, 104, 103, 105, 107, 106, 108, 110, 109, 111, 108, 106, 107, 109, 112, 111,
      113, 115, 114, 116, 113, 112, 114, 117, 118, 116, 119, 121};

  static Bars fixture() {
    List<Bar> bars = new ArrayList<>();
    LocalDate day = LocalDate.parse("2025-01-01");
    for (int i = 0; i < CLOSES.length; i++) {
      BigDecimal close = BigDecimal.valueOf(CLOSES[i]);
      bars.add(new Bar(day.plusDays(i), close, close.add(BigDecimal.valueOf(2)),
          close.subtract(BigDecimal.valueOf(1 + i % 3)), close, 1000 + 100L * (i % 7)));
    }
    return new Bars("FIX", "fixture", false, bars);
  }

  @Test
  void matchesTheHandComputedFixtureToTheDocumentedPrecision() {
    IndicatorSet s = Indicators.of(fixture());
    assertThat(s.lastClose()).isEqualByComparingTo("121");
    // 121 / 114 - 1 and 121 / 108 - 1
    assertThat(s.returns1w()).isEqualByComparingTo("6.14");
    assertThat(s.returns1m()).isEqualByComparingTo("12.04");
    // sample standard deviation of the 29 daily returns, times sqrt(252)
    assertThat(s.volatilityPct()).isEqualByComparingTo("27.72");
    // the peak 111 (day 11) to 106 (day 13): 5 / 111
    assertThat(s.maxDrawdownPct()).isEqualByComparingTo("4.50");
    // the last 20 closes sum to 2261
    assertThat(s.sma20()).isEqualByComparingTo("113.0500");
    assertThat(s.rsi14()).isEqualByComparingTo("70.19");
    assertThat(s.macd()).isEqualByComparingTo("3.6381");
    assertThat(s.macdSignal()).isEqualByComparingTo("3.1942");
    assertThat(s.macdHistogram()).isEqualByComparingTo("0.4439");
    assertThat(s.atr14()).isEqualByComparingTo("4.3410");
    // 1100 / (25000 / 20)
    assertThat(s.volumeRatio()).isEqualByComparingTo("0.84");
  }

  @Test
  void aWindowTooShortForAnIndicatorLeavesItOutRatherThanGuessing() {
    IndicatorSet s = Indicators.of(fixture());
    assertThat(s.returns3m()).isNull();
    assertThat(s.returns1y()).isNull();
    assertThat(s.sma50()).isNull();
    assertThat(s.sma200()).isNull();
    assertThat(s.asMap()).containsEntry("SMA 200", "n/a").containsEntry("Return 1w", "6.14 %");
  }

  @Test
  void theSampleSetGivesTheLongWindowIndicators() {
    Bars acme = new SampleData().daily("ACME").result();
    IndicatorSet s = Indicators.of(acme);
    assertThat(s.asOf()).isEqualTo(LocalDate.parse("2025-11-28"));
    // means of the last 200 and 50 closes of ACME.csv, and its close over the close 252 days before
    assertThat(s.sma200()).isEqualByComparingTo("101.7548");
    assertThat(s.sma50()).isEqualByComparingTo("105.8516");
    assertThat(s.returns1y()).isEqualByComparingTo("12.08");
  }

  @Test
  void theSameBarsAlwaysGiveTheSameTable() {
    assertThat(Indicators.of(fixture())).isEqualTo(Indicators.of(fixture()));
  }
}

package io.tollgate.research.indicators;

import io.tollgate.research.data.Bar;
import io.tollgate.research.data.Bars;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.ta4j.core.BarSeries;
import org.ta4j.core.BaseBarSeriesBuilder;
import org.ta4j.core.Indicator;
import org.ta4j.core.indicators.ATRIndicator;
import org.ta4j.core.indicators.MACDIndicator;
import org.ta4j.core.indicators.RSIIndicator;
import org.ta4j.core.indicators.EMAIndicator;
import org.ta4j.core.indicators.SMAIndicator;
import org.ta4j.core.indicators.helpers.ClosePriceIndicator;
import org.ta4j.core.indicators.helpers.VolumeIndicator;
import org.ta4j.core.num.DecimalNum;
import org.ta4j.core.num.Num;

/**
 * Computes an {@link IndicatorSet} from daily bars with ta4j over {@code DecimalNum} (32 significant digits), so the
 * same bars always give the same table on every machine.
 *
 * <p>Definitions (ta4j's conventions, which the fixtures in the tests compute by hand):
 * <ul>
 *   <li>returns: {@code close[t] / close[t-n] - 1} with n = 5, 21, 63, 252 trading days;
 *   <li>volatility: sample standard deviation (n - 1) of the last 252 daily simple returns (all of them when fewer,
 *       at least 20), times {@code sqrt(252)};
 *   <li>max drawdown: the largest {@code 1 - close / running peak} over the window;
 *   <li>SMA n: the mean of the last n closes;
 *   <li>EMA (MACD 12/26, signal 9): seeded with the first value, then {@code prev + 2/(n+1) * (x - prev)};
 *   <li>RSI 14 and ATR 14: Wilder smoothing ({@code prev + (x - prev)/14}) seeded with the first value; the true
 *       range of the first bar is its high - low;
 *   <li>volume ratio: last volume / mean volume of the last 20 bars (including the last).
 * </ul>
 *
 * <p>Precision: percentages and RSI are rounded half-even to 2 decimals, prices (SMA, MACD, ATR) to 4, the volume
 * ratio to 2. The computation itself carries 32 significant digits, so a rounded value differs from the exact one
 * by at most half a unit of its last printed digit.
 */
public final class Indicators {
  static final int WEEK = 5;
  static final int MONTH = 21;
  static final int QUARTER = 63;
  static final int YEAR = 252;
  /** Fewer daily returns than this give no volatility. */
  static final int MIN_RETURNS_FOR_VOLATILITY = 20;
  private static final MathContext MC = new MathContext(32, RoundingMode.HALF_EVEN);

  private Indicators() {}

  public static IndicatorSet of(Bars bars) {
    if (bars.bars().isEmpty()) {
      throw new IllegalArgumentException(bars.symbol() + ": no bars (expected: at least one)");
    }
    BarSeries series = series(bars);
    int last = series.getEndIndex();
    ClosePriceIndicator close = new ClosePriceIndicator(series);
    MACDIndicator macd = new MACDIndicator(close, 12, 26);
    EMAIndicator signal = macd.getSignalLine(9);
    Num macdNow = macd.getValue(last);
    Num signalNow = signal.getValue(last);
    return new IndicatorSet(bars.symbol(), bars.first(), bars.last(), bars.bars().size(),
        bars.bars().get(last).close(),
        percent(ret(close, last, WEEK)), percent(ret(close, last, MONTH)), percent(ret(close, last, QUARTER)),
        percent(ret(close, last, YEAR)), percent(volatility(close, last)), percent(maxDrawdown(close, last)),
        price(sma(close, last, 20)), price(sma(close, last, 50)), price(sma(close, last, 200)),
        round(new RSIIndicator(close, 14).getValue(last), 2),
        price(macdNow), price(signalNow), price(macdNow.minus(signalNow)),
        price(new ATRIndicator(series, 14).getValue(last)),
        round(volumeRatio(new VolumeIndicator(series), last), 2));
  }

  static BarSeries series(Bars bars) {
    BarSeries series = new BaseBarSeriesBuilder().withName(bars.symbol())
        .withNumTypeOf(n -> DecimalNum.valueOf(new BigDecimal(n.toString()), MC.getPrecision())).build();
    for (Bar b : bars.bars()) {
      ZonedDateTime end = b.date().plusDays(1).atStartOfDay(ZoneOffset.UTC);
      series.addBar(Duration.ofDays(1), end, b.open(), b.high(), b.low(), b.close(), b.volume());
    }
    return series;
  }

  private static Num ret(Indicator<Num> close, int last, int days) {
    if (last < days) {
      return null;
    }
    return close.getValue(last).dividedBy(close.getValue(last - days)).minus(close.getValue(last).one());
  }

  private static Num sma(Indicator<Num> close, int last, int n) {
    return last + 1 < n ? null : new SMAIndicator(close, n).getValue(last);
  }

  private static Num volatility(Indicator<Num> close, int last) {
    int n = Math.min(YEAR, last);
    if (n < MIN_RETURNS_FOR_VOLATILITY) {
      return null;
    }
    Num one = close.getValue(last).one();
    Num[] r = new Num[n];
    Num sum = one.zero();
    for (int i = 0; i < n; i++) {
      int t = last - n + 1 + i;
      r[i] = close.getValue(t).dividedBy(close.getValue(t - 1)).minus(one);
      sum = sum.plus(r[i]);
    }
    Num mean = sum.dividedBy(one.numOf(n));
    Num squares = one.zero();
    for (Num x : r) {
      Num d = x.minus(mean);
      squares = squares.plus(d.multipliedBy(d));
    }
    Num variance = squares.dividedBy(one.numOf(n - 1));
    return variance.multipliedBy(one.numOf(YEAR)).sqrt(MC.getPrecision());
  }

  private static Num maxDrawdown(Indicator<Num> close, int last) {
    Num peak = close.getValue(0);
    Num worst = peak.zero();
    for (int i = 0; i <= last; i++) {
      Num c = close.getValue(i);
      if (c.isGreaterThan(peak)) {
        peak = c;
      }
      Num drawdown = peak.minus(c).dividedBy(peak);
      if (drawdown.isGreaterThan(worst)) {
        worst = drawdown;
      }
    }
    return worst;
  }

  private static Num volumeRatio(Indicator<Num> volume, int last) {
    if (last + 1 < 20) {
      return null;
    }
    Num mean = new SMAIndicator(volume, 20).getValue(last);
    return mean.isZero() ? null : volume.getValue(last).dividedBy(mean);
  }

  private static BigDecimal percent(Num fraction) {
    return fraction == null ? null : round(fraction.multipliedBy(fraction.hundred()), 2);
  }

  private static BigDecimal price(Num value) {
    return round(value, 4);
  }

  private static BigDecimal round(Num value, int decimals) {
    return value == null || value.isNaN() ? null : value.bigDecimalValue().setScale(decimals, RoundingMode.HALF_EVEN);
  }
}

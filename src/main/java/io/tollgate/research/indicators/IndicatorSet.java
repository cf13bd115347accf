package io.tollgate.research.indicators;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The indicators of one symbol on its last bar, rounded to the printed precision ({@link Indicators}). A value the
 * window is too short for is null, printed {@code n/a}.
 *
 * @param returns1w simple return over 5 trading days, in percent
 * @param returns1m over 21 trading days, in percent
 * @param returns3m over 63 trading days, in percent
 * @param returns1y over 252 trading days, in percent
 * @param volatilityPct annualised volatility of daily simple returns, in percent
 * @param maxDrawdownPct the largest fall from a running peak of the close within the window, in percent (>= 0)
 * @param volumeRatio the last volume over the mean volume of the 20 bars ending with it
 */
public record IndicatorSet(
    String symbol,
    LocalDate from,
    LocalDate asOf,
    int bars,
    BigDecimal lastClose,
    BigDecimal returns1w,
    BigDecimal returns1m,
    BigDecimal returns3m,
    BigDecimal returns1y,
    BigDecimal volatilityPct,
    BigDecimal maxDrawdownPct,
    BigDecimal sma20,
    BigDecimal sma50,
    BigDecimal sma200,
    BigDecimal rsi14,
    BigDecimal macd,
    BigDecimal macdSignal,
    BigDecimal macdHistogram,
    BigDecimal atr14,
    BigDecimal volumeRatio) {

  /** One row of the indicator table. */
  public record Row(String name, String value, String basis) {}

  /** The indicator table, as given to a model and printed in a report. */
  public List<Row> table() {
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("Last close", text(lastClose, ""), "close of " + asOf));
    rows.add(new Row("Return 1w", text(returns1w, " %"), "5 trading days"));
    rows.add(new Row("Return 1m", text(returns1m, " %"), "21 trading days"));
    rows.add(new Row("Return 3m", text(returns3m, " %"), "63 trading days"));
    rows.add(new Row("Return 1y", text(returns1y, " %"), "252 trading days"));
    rows.add(new Row("Volatility (annualised)", text(volatilityPct, " %"), "daily returns, last 252, x sqrt(252)"));
    rows.add(new Row("Max drawdown", text(maxDrawdownPct, " %"), "peak to trough of the close, " + from + " to " + asOf));
    rows.add(new Row("SMA 20", text(sma20, ""), "simple mean of 20 closes"));
    rows.add(new Row("SMA 50", text(sma50, ""), "simple mean of 50 closes"));
    rows.add(new Row("SMA 200", text(sma200, ""), "simple mean of 200 closes"));
    rows.add(new Row("RSI 14", text(rsi14, ""), "Wilder smoothing"));
    rows.add(new Row("MACD 12/26", text(macd, ""), "EMA 12 - EMA 26 of the close"));
    rows.add(new Row("MACD signal 9", text(macdSignal, ""), "EMA 9 of MACD"));
    rows.add(new Row("MACD histogram", text(macdHistogram, ""), "MACD - signal"));
    rows.add(new Row("ATR 14", text(atr14, ""), "Wilder smoothing of the true range"));
    rows.add(new Row("Volume vs 20-day mean", text(volumeRatio, "x"), "last volume / mean of 20"));
    return rows;
  }

  /** The table keyed by indicator name, for JSON. */
  public Map<String, String> asMap() {
    Map<String, String> out = new LinkedHashMap<>();
    table().forEach(r -> out.put(r.name(), r.value()));
    return out;
  }

  static String text(BigDecimal value, String unit) {
    return value == null ? "n/a" : value.toPlainString() + unit;
  }
}

package io.tollgate.research;

import io.tollgate.research.data.Bar;
import io.tollgate.research.data.Bars;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** An SVG line chart of the close with its SMA 20, 50 and 200, drawn from the bars alone. */
final class PriceChart {
  static final int WIDTH = 720;
  static final int HEIGHT = 260;
  private static final int PAD = 30;

  private PriceChart() {}

  static String svg(Bars bars) {
    List<BigDecimal> close = bars.bars().stream().map(Bar::close).toList();
    BigDecimal lo = close.stream().min(BigDecimal::compareTo).orElse(BigDecimal.ZERO);
    BigDecimal hi = close.stream().max(BigDecimal::compareTo).orElse(BigDecimal.ONE);
    StringBuilder out = new StringBuilder();
    out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
        .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("\" role=\"img\" aria-label=\"")
        .append(bars.symbol()).append(" close with SMA 20, 50 and 200\">\n")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    out.append(line(close, lo, hi, "#1f4e79", "close"));
    out.append(line(sma(close, 20), lo, hi, "#d08c00", "SMA 20"));
    out.append(line(sma(close, 50), lo, hi, "#2e8b57", "SMA 50"));
    out.append(line(sma(close, 200), lo, hi, "#b22222", "SMA 200"));
    out.append("<text x=\"").append(PAD).append("\" y=\"16\" font-size=\"12\" font-family=\"sans-serif\">")
        .append(bars.symbol()).append(' ').append(bars.first()).append(" to ").append(bars.last())
        .append(" (low ").append(lo.toPlainString()).append(", high ").append(hi.toPlainString())
        .append(") close (blue), SMA 20 (amber), SMA 50 (green), SMA 200 (red)</text>\n");
    return out.append("</svg>\n").toString();
  }

  /** The simple moving average, null where the window is not full yet. */
  static List<BigDecimal> sma(List<BigDecimal> values, int n) {
    List<BigDecimal> out = new ArrayList<>(values.size());
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 0; i < values.size(); i++) {
      sum = sum.add(values.get(i));
      if (i >= n) {
        sum = sum.subtract(values.get(i - n));
      }
      out.add(i + 1 >= n ? sum.divide(BigDecimal.valueOf(n), 6, RoundingMode.HALF_EVEN) : null);
    }
    return out;
  }

  private static String line(List<BigDecimal> ys, BigDecimal lo, BigDecimal hi, String colour, String name) {
    StringBuilder points = new StringBuilder();
    int n = ys.size();
    BigDecimal span = hi.subtract(lo).signum() == 0 ? BigDecimal.ONE : hi.subtract(lo);
    for (int i = 0; i < n; i++) {
      if (ys.get(i) == null) {
        continue;
      }
      double x = PAD + (WIDTH - 2.0 * PAD) * i / Math.max(1, n - 1);
      double y = HEIGHT - PAD - (HEIGHT - 2.0 * PAD) * ys.get(i).subtract(lo).divide(span, 6, RoundingMode.HALF_EVEN).doubleValue();
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
    }
    if (points.length() == 0) {
      return "";
    }
    return "<polyline fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"1.5\" points=\"" + points.toString().trim()
        + "\"><title>" + name + "</title></polyline>\n";
  }
}

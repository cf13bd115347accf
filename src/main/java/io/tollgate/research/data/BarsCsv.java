package io.tollgate.research.data;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Reads daily bars from CSV text with a header naming {@code date,open,high,low,close,volume} in any order and case
 * (other columns are ignored). Rows may come newest first; they are returned oldest first. A bad row fails with its
 * line number and the value.
 */
public final class BarsCsv {
  private static final String[] COLUMNS = {"date", "open", "high", "low", "close", "volume"};

  private BarsCsv() {}

  public static List<Bar> parse(String text, String origin) {
    String[] lines = text.replace("\r", "").split("\n");
    if (lines.length == 0 || lines[0].isBlank()) {
      throw new MarketDataException(origin + ": empty (expected: a header line " + String.join(",", COLUMNS) + ")");
    }
    int[] at = columns(lines[0], origin);
    List<Bar> out = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      out.add(row(lines[i].split(",", -1), at, origin, i + 1));
    }
    out.sort(Comparator.comparing(Bar::date));
    return out;
  }

  private static int[] columns(String header, String origin) {
    String[] names = header.split(",", -1);
    int[] at = new int[COLUMNS.length];
    for (int c = 0; c < COLUMNS.length; c++) {
      at[c] = -1;
      for (int i = 0; i < names.length; i++) {
        if (names[i].trim().toLowerCase(Locale.ROOT).equals(COLUMNS[c])) {
          at[c] = i;
        }
      }
      if (at[c] < 0) {
        throw new MarketDataException(origin + ": header '" + header.trim() + "' has no column '" + COLUMNS[c]
            + "' (expected: " + String.join(",", COLUMNS) + ")");
      }
    }
    return at;
  }

  private static Bar row(String[] cells, int[] at, String origin, int line) {
    try {
      LocalDate date = LocalDate.parse(cell(cells, at[0]));
      BigDecimal open = new BigDecimal(cell(cells, at[1]));
      BigDecimal high = new BigDecimal(cell(cells, at[2]));
      BigDecimal low = new BigDecimal(cell(cells, at[3]));
      BigDecimal close = new BigDecimal(cell(cells, at[4]));
      // some sources write volume as a decimal (fractional shares, or '1.2e6'): whole shares are kept
      long volume = new BigDecimal(cell(cells, at[5])).longValue();
      if (high.compareTo(low) < 0 || close.signum() <= 0) {
        throw new MarketDataException(origin + " line " + line + ": high " + high + ", low " + low + ", close " + close
            + " (expected: high >= low and a positive close)");
      }
      return new Bar(date, open, high, low, close, volume);
    } catch (DateTimeParseException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
      throw new MarketDataException(origin + " line " + line + ": '" + String.join(",", cells)
          + "' (expected: an ISO date and numbers for open, high, low, close, volume)", e);
    }
  }

  private static String cell(String[] cells, int i) {
    return cells[i].trim();
  }
}

package io.tollgate.research.data;

import io.vertx.core.Future;
import java.util.regex.Pattern;

/** A source of daily bars. Implementations never block the calling event loop. */
public interface MarketData {
  /** Symbols are letters, digits, dots, dashes and carets: safe as a file name and in a URL. */
  Pattern SYMBOL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.^-]{0,19}");

  /** Every daily bar the source has for {@code symbol}, oldest first; fails with {@link MarketDataException}. */
  Future<Bars> daily(String symbol);

  /** The source as a report names it. */
  String describe();

  /** The symbol checked and upper-cased; a bad one fails with a message naming it. */
  static String checkSymbol(String symbol) {
    if (symbol == null || !SYMBOL.matcher(symbol).matches()) {
      throw new MarketDataException("symbol: '" + symbol + "' (expected: 1 to 20 letters, digits, '.', '-' or '^')");
    }
    return symbol.toUpperCase(java.util.Locale.ROOT);
  }
}

package io.tollgate.research.data;

import io.vertx.core.Future;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The bundled sample set: synthetic daily bars for a few made-up symbols, so that the demo runs offline. Never real
 * prices; every report that uses them says "sample data".
 */
public final class SampleData implements MarketData {
  /** The symbols bundled in {@code research/sample/}. */
  public static final List<String> SYMBOLS = List.of("ACME", "GLOBEX");
  public static final String LABEL = "sample data (synthetic, bundled with Tollgate; not real prices)";

  @Override
  public Future<Bars> daily(String symbol) {
    try {
      String checked = MarketData.checkSymbol(symbol);
      if (!SYMBOLS.contains(checked)) {
        throw new MarketDataException("no sample data for " + checked + " (expected one of " + SYMBOLS + ")");
      }
      // a few kilobytes from the class path: cheap enough for the calling thread
      try (InputStream in = SampleData.class.getResourceAsStream("/research/sample/" + checked + ".csv")) {
        if (in == null) {
          throw new MarketDataException("the sample file of " + checked + " is missing from the class path");
        }
        String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        return Future.succeededFuture(new Bars(checked, LABEL, true, BarsCsv.parse(text, "sample " + checked)));
      }
    } catch (IOException e) {
      return Future.failedFuture(new MarketDataException("could not read the sample data: " + e.getMessage(), e));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public String describe() {
    return LABEL;
  }
}

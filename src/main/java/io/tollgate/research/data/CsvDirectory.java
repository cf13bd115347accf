package io.tollgate.research.data;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Daily bars from {@code <directory>/<SYMBOL>.csv}; files are read on a worker. */
public final class CsvDirectory implements MarketData {
  private final Vertx vertx;
  private final Path directory;

  public CsvDirectory(Vertx vertx, Path directory) {
    this.vertx = vertx;
    this.directory = directory.toAbsolutePath().normalize();
  }

  @Override
  public Future<Bars> daily(String symbol) {
    String checked;
    try {
      checked = MarketData.checkSymbol(symbol);
    } catch (MarketDataException e) {
      return Future.failedFuture(e);
    }
    Path file = directory.resolve(checked + ".csv");
    return vertx.executeBlocking(() -> {
      try {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return new Bars(checked, file.toString(), false, BarsCsv.parse(text, file.toString()));
      } catch (NoSuchFileException e) {
        throw new MarketDataException("no data for " + checked + ": " + file + " does not exist");
      } catch (IOException e) {
        throw new MarketDataException("could not read " + file + ": " + e.getMessage(), e);
      }
    }, false);
  }

  @Override
  public String describe() {
    return "CSV directory " + directory;
  }
}

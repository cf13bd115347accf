package io.tollgate.research.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every source answers the same bars, oldest first; the cache fetches once per symbol and window, and counts. */
class MarketDataTest {
  static final String NEWEST_FIRST = "Date,Open,High,Low,Close,Volume\n"
      + "2025-01-03,11,12,10.5,11.5,1500\n"
      + "2025-01-02,10,11.2,9.8,11,1200.0\n";

  static Vertx vertx;
  static HttpServer server;
  static final List<String> asked = new ArrayList<>();

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Throwable {
    vertx = Vertx.vertx();
    // the public daily-bars CSV format: text/csv at /q/d/l/?s=<symbol>&i=d, "No data" for an unknown symbol
    server = await(vertx.createHttpServer().requestHandler(req -> {
      synchronized (asked) {
        asked.add(req.uri());
      }
      String s = req.getParam("s");
      if ("broken".equals(s)) {
        req.response().setStatusCode(500).end("oops");
      } else if ("xyz.us".equals(s) && "d".equals(req.getParam("i"))) {
        req.response().putHeader("content-type", "text/csv").end(NEWEST_FIRST);
      } else {
        req.response().putHeader("content-type", "text/csv").end("No data");
      }
    }).listen(0, "127.0.0.1"));
  }

  /** Waits for {@code future}; its failure is thrown as is. */
  static <T> T await(io.vertx.core.Future<T> future) throws Throwable {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause();
    }
  }

  @AfterAll
  static void stop() throws Throwable {
    await(vertx.close());
  }

  @Test
  void aCsvDirectoryReadsOneFilePerSymbolOldestFirst() throws Throwable {
    Files.writeString(dir.resolve("XYZ.csv"), NEWEST_FIRST.toLowerCase());
    Bars bars = await(new CsvDirectory(vertx, dir).daily("xyz"));
    assertThat(bars.symbol()).isEqualTo("XYZ");
    assertThat(bars.sample()).isFalse();
    assertThat(bars.bars()).extracting(Bar::date).containsExactly(LocalDate.parse("2025-01-02"), LocalDate.parse("2025-01-03"));
    assertThat(bars.bars().get(0).close()).isEqualByComparingTo("11");
    assertThat(bars.bars().get(0).volume()).isEqualTo(1200);
  }

  @Test
  void aCsvDirectoryNamesTheMissingFileAndTheBadLine() throws Throwable {
    assertThatThrownBy(() -> await(new CsvDirectory(vertx, dir).daily("NOPE")))
        .isInstanceOf(MarketDataException.class).hasMessageContaining("NOPE.csv does not exist");
    Files.writeString(dir.resolve("BAD.csv"), "date,open,high,low,close,volume\n2025-01-02,1,2,1,x,5\n");
    assertThatThrownBy(() -> await(new CsvDirectory(vertx, dir).daily("BAD")))
        .isInstanceOf(MarketDataException.class).hasMessageContaining("line 2").hasMessageContaining("1,2,1,x,5");
    assertThatThrownBy(() -> await(new CsvDirectory(vertx, dir).daily("../etc/passwd")))
        .isInstanceOf(MarketDataException.class).hasMessageContaining("expected: 1 to 20 letters");
  }

  @Test
  void theHttpProviderReadsThePublicDailyCsvFormat() throws Throwable {
    HttpDailyBars http = new HttpDailyBars(vertx, "http://127.0.0.1:" + server.actualPort() + "/", 2_000);
    Bars bars = await(http.daily("XYZ.US"));
    assertThat(bars.bars()).hasSize(2);
    assertThat(bars.last()).isEqualTo(LocalDate.parse("2025-01-03"));
    assertThat(bars.bars().get(1).high()).isEqualByComparingTo(new BigDecimal("12"));
    assertThat(bars.source()).isEqualTo("http://127.0.0.1:" + server.actualPort() + "/q/d/l/?s=xyz.us&i=d");
    assertThatThrownBy(() -> await(http.daily("UNKNOWN"))).isInstanceOf(MarketDataException.class)
        .hasMessageContaining("no data for UNKNOWN");
    assertThatThrownBy(() -> await(http.daily("BROKEN"))).isInstanceOf(MarketDataException.class)
        .hasMessageContaining("HTTP 500");
    await(http.close());
  }

  @Test
  void theSampleSetIsLabelledAsSampleData() throws Throwable {
    Bars acme = await(new SampleData().daily("acme"));
    assertThat(acme.sample()).isTrue();
    assertThat(acme.source()).contains("sample data");
    assertThat(acme.bars().size()).isGreaterThan(260);
    assertThatThrownBy(() -> await(new SampleData().daily("AAPL"))).hasMessageContaining("no sample data for AAPL");
  }

  @Test
  void fetchesAreCachedPerSymbolUntilTheTtlAndCounted() throws Throwable {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-06T10:00:00Z"));
    int before;
    synchronized (asked) {
      before = asked.size();
    }
    CachedMarketData cached = new CachedMarketData(
        new HttpDailyBars(vertx, "http://127.0.0.1:" + server.actualPort(), 2_000), clock, Duration.ofMinutes(10));
    assertThat(await(cached.fetch("xyz.us")).fromCache()).isFalse();
    assertThat(await(cached.fetch("XYZ.US")).fromCache()).isTrue();
    clock.advance(Duration.ofMinutes(11));
    assertThat(await(cached.fetch("XYZ.US")).fromCache()).isFalse();
    // a failure is not kept: the next ask tries the source again
    assertThatThrownBy(() -> await(cached.fetch("BROKEN"))).isInstanceOf(MarketDataException.class);
    assertThatThrownBy(() -> await(cached.fetch("BROKEN"))).isInstanceOf(MarketDataException.class);
    assertThat(cached.fetches()).isEqualTo(4);
    assertThat(cached.hits()).isEqualTo(1);
    synchronized (asked) {
      assertThat(asked.size() - before).isEqualTo(4);
    }
  }
}

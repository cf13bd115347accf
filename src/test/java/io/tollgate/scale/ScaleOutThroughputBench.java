package io.tollgate.scale;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a test (it asserts nothing and skips unless {@code -Dtollgate.bench=true}): requests per second
 * through one gateway, then three gateways on one PostgreSQL database, in this JVM, with {@code CLIENTS} concurrent
 * clients for {@code SECONDS} against the zero-latency scriptable upstream. Figures in bench/RESULTS.md.
 */
class ScaleOutThroughputBench {
  private static final String CHAT = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";

  @Test
  void measure() throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("tollgate.bench"), "a measurement: run with -Dtollgate.bench=true");
    int clients = Integer.getInteger("tollgate.bench.clients", 32);
    int seconds = Integer.getInteger("tollgate.bench.seconds", 15);
    // the embedded store under the same load of the machine, for reference
    double sqlite;
    try (GatewayFixture embedded = GatewayFixture.start(Files.createTempDirectory("scale-bench-sqlite"))) {
      run(List.of(embedded), clients, 5);
      sqlite = run(List.of(embedded), clients, seconds);
    }
    String url = Postgres.freshSchema("bench");
    Path dir = Files.createTempDirectory("scale-bench");
    GatewayFixture a = GatewayFixture.startPostgres(dir, url, "gw-1");
    List<GatewayFixture> peers = new ArrayList<>();
    try {
      run(List.of(a), clients, 5);
      double one = run(List.of(a), clients, seconds);
      peers.add(a.peer("gw-2"));
      peers.add(a.peer("gw-3"));
      List<GatewayFixture> three = List.of(a, peers.get(0), peers.get(1));
      run(three, clients, 5);
      double all = run(three, clients, seconds);
      long[] commits = a.store.commitCounts();
      System.out.printf("BENCH clients=%d seconds=%d sqlite=%.0f req/s postgres one=%.0f req/s three=%.0f req/s"
          + " (gw-1 commits %d, tasks %d)%n", clients, seconds, sqlite, one, all, commits[0], commits[1]);
    } finally {
      for (GatewayFixture p : peers) {
        p.close();
      }
      a.close();
      Postgres.drop(url);
    }
  }

  /** Requests per second answered 200, with {@code clients} closed-loop clients spread over {@code gateways}. */
  private static double run(List<GatewayFixture> gateways, int clients, int seconds) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      GatewayFixture g = gateways.get(i % gateways.size());
      HttpRequest request = HttpRequest.newBuilder(URI.create(g.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + g.key).header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
      done.add(pool.submit(() -> {
        while (running.get()) {
          try {
            HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
            (r.statusCode() == 200 ? ok : failed).incrementAndGet();
          } catch (Exception e) {
            failed.incrementAndGet();
          }
        }
        return null;
      }));
    }
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    running.set(false);
    for (Future<?> f : done) {
      f.get();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    if (failed.get() > 0) {
      System.out.println("BENCH failed requests: " + failed.get());
    }
    return ok.get() / elapsed;
  }
}

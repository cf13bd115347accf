package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 concurrent streams through the gateway: every chunk arrives, in order, and the heap stays bounded.
 * The figures (peak heap while streaming, heap after) are printed to the test's output; measured on the
 * 2-core machine they were well under the bound asserted here (see bench/RESULTS.md).
 */
class ConcurrentStreamsTest {
  private static final int STREAMS = 2_000;
  private static final int TOKENS = 24;
  private static final String BODY = "{\"model\":\"bulk\",\"stream\":true,\"max_tokens\":" + TOKENS
      + ",\"messages\":[{\"role\":\"user\",\"content\":\"stream\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void twoThousandConcurrentStreamsDeliverEveryChunkInOrderWithBoundedHeap() throws Exception {
    String expected = text(single());
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long before = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(before);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    sampler.scheduleAtFixedRate(() -> peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max), 0, 50, TimeUnit.MILLISECONDS);

    HttpClient client = f.vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(STREAMS));
    List<Future<Buffer>> streams = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      streams.add(client.request(options())
          .compose(request -> request.send(BODY))
          .compose(response -> {
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
          }));
    }
    List<Buffer> bodies = GatewayFixture.await(Future.all(streams).map(all -> all.<Buffer>list()));
    sampler.shutdownNow();

    assertThat(bodies).hasSize(STREAMS);
    for (Buffer body : bodies) {
      assertThat(body.toString()).endsWith("data: [DONE]\n\n");
      assertThat(text(body)).isEqualTo(expected);
    }
    assertThat(f.upstream.requestCount("up-bulk")).isEqualTo(STREAMS + 1);
    bodies = null;
    streams.clear();
    GatewayFixture.await(client.close());
    System.gc();
    long after = memory.getHeapMemoryUsage().getUsed();
    System.out.printf("2000 streams: heap before %d MiB, peak while streaming %d MiB, after %d MiB%n",
        before >> 20, peak.get() >> 20, after >> 20);
    // bounded: the peak (client, gateway and upstream in one JVM, garbage included) stays far from what holding
    // every stream would take, and what remains afterwards is not proportional to the streams served
    assertThat(peak.get() - before).isLessThan(768L << 20);
    assertThat(after - before).isLessThan(96L << 20);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")).isZero();
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  private static Buffer single() throws Exception {
    HttpClient client = f.vertx.createHttpClient();
    Buffer body = GatewayFixture.await(client.request(options()).compose(r -> r.send(BODY)).compose(r -> r.body()));
    client.close();
    return body;
  }

  private static RequestOptions options() {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(f.gateway.port())
        .setURI("/v1/chat/completions").putHeader("authorization", "Bearer " + f.key)
        .putHeader("content-type", "application/json").putHeader("x-mock", "tps=100");
  }

  /** The streamed text in order: each content delta appended as it arrived. */
  private static String text(Buffer body) {
    StringBuilder out = new StringBuilder();
    for (String event : body.toString().split("\n\n")) {
      if (event.startsWith("data: {")) {
        var chunk = new io.vertx.core.json.JsonObject(event.substring(6));
        var choices = chunk.getJsonArray("choices");
        if (choices != null && !choices.isEmpty() && choices.getJsonObject(0).getJsonObject("delta") != null) {
          out.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
        }
      }
    }
    return out.toString();
  }
}

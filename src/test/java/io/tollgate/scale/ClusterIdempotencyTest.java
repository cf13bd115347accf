package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes (two Vert.x instances, stores and node names in one JVM) on one PostgreSQL database receive
 * the same Idempotency-Key at the same moment: the key is claimed in the database, so exactly one of them runs the
 * request (one upstream call, at most one charge) and every copy gets its result.
 */
class ClusterIdempotencyTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}";
  private static final int KEYS = 30;

  @TempDir
  static Path dir;
  static String url;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_idempotency");
    a = GatewayFixture.startPostgres(dir, url, "gw-a");
    b = a.peer("gw-b");
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @BeforeEach
  void reset() {
    a.upstream.resetCounts();
  }

  @Test
  void oneKeySentToTwoProcessesAtOnceRunsOnceAndChargesOnce() throws Exception {
    for (int i = 0; i < KEYS; i++) {
      String key = UUID.randomUUID().toString();
      List<CompletableFuture<HttpResponse<String>>> copies = new ArrayList<>();
      for (GatewayFixture g : new GatewayFixture[] {a, b, a, b}) {
        copies.add(send(g, CHAT, key));
      }
      CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      List<HttpResponse<String>> responses = copies.stream().map(CompletableFuture::join).toList();

      assertThat(a.upstream.requestCount()).as("upstream calls after %d keys", i + 1).isEqualTo(i + 1);
      // 504: on a loaded machine the upstream may miss the first-byte timeout; then every copy replays that 504
      assertThat(responses.stream().map(HttpResponse::statusCode).distinct().toList()).as("one answer for every copy")
          .hasSize(1).first().isIn(200, 504);
      assertThat(responses.stream().map(HttpResponse::body).distinct()).hasSize(1);
      List<String> ids = responses.stream()
          .map(r -> r.headers().firstValue("x-tollgate-request-id").orElseThrow()).distinct().toList();
      assertThat(ids).as("every copy answers with the one request that ran").hasSize(1);
      assertThat(responses.stream().filter(r -> r.headers().firstValue("x-tollgate-idempotent-replay").isPresent()))
          .hasSize(3);
      assertThat(Wallets.count(a.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge' AND request_id = '"
          + ids.get(0) + "'")).as("charged once when served, else never").isEqualTo(
          responses.get(0).statusCode() == 200 ? 1 : 0);
    }
    assertThat(Wallets.count(a.store, "SELECT COUNT(*) FROM idempotency_claims")).as("every claim ended").isZero();
    Wallets.assertVerified(a.store, System.currentTimeMillis());
  }

  @Test
  void theSameKeyWithAnotherBodyOnTheOtherProcessIsRefusedWhileTheFirstRuns() throws Exception {
    String key = UUID.randomUUID().toString();
    CompletableFuture<HttpResponse<String>> first = send(a, CHAT, key);
    // the first is in flight (its upstream answers after 300 ms) when the other body arrives at the other process
    while (a.upstream.requestCount() == 0) {
      Thread.sleep(5);
    }
    HttpResponse<String> other = send(b, CHAT.replace("once", "twice"), key).get(60, TimeUnit.SECONDS);

    assertThat(first.get(60, TimeUnit.SECONDS).statusCode()).isIn(200, 504);
    assertThat(other.statusCode()).as(other.body()).isEqualTo(409);
    assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("idempotency_key_reused");
    assertThat(a.upstream.requestCount()).isEqualTo(1);
  }

  private static CompletableFuture<HttpResponse<String>> send(GatewayFixture g, String body, String key) {
    return g.chatAsync(body, Duration.ofSeconds(60), "idempotency-key", key, "x-mock", "latency_ms=300");
  }
}

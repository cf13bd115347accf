package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the cross-process Idempotency-Key claim: a claim's expiry is written by the claiming process from its own
 * clock ({@code clock.millis() + ttl}) and compared by every other process with its own clock, both in the claim's
 * {@code ON CONFLICT ... WHERE expires_at < ?} and in the waiting copy's look. Two hosts whose clocks differ by more
 * than the claim's lifetime (the longest route's timeouts plus a minute; here about 3 min, at the default timeouts
 * 11 min and more) take each other's live claims over at once: a retry on the host whose clock is ahead runs the
 * request again while the first copy runs, and both are charged. Nothing in docs/scale-out.md asks for synchronised
 * clocks; PostgreSQL's own clock (one clock for every process) would not have this failure.
 */
class ClusterIdempotencyClockSkewTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"skew\"}]}";

  @TempDir
  static Path dir;
  static String url;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_idem_skew");
    a = GatewayFixture.startPostgres(dir, url, "gw-a");
    // first-byte timeouts generous enough for a loaded 2-core machine: no attempt fails over to another leg
    Files.writeString(a.configFile, Files.readString(a.configFile).replaceAll("first_byte_ms: \\d+", "first_byte_ms: 20000")
        .replaceAll("idle_ms: \\d+", "idle_ms: 20000"));
    HttpResponse<String> reloaded = a.post("/admin/config/reload", "{}", a.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
    // gw-b's host clock runs 5 minutes ahead of gw-a's
    b = a.peer("gw-b", a.configFile, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5)));
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @Test
  void aRetryOnAProcessWhoseClockIsAheadDoesNotRunTheKeyAgain() throws Exception {
    String key = UUID.randomUUID().toString();
    a.upstream.resetCounts();
    long chargesBefore = Wallets.count(a.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'");

    CompletableFuture<HttpResponse<String>> first = send(a, key);
    for (int i = 0; i < 400 && a.upstream.requestCount() == 0; i++) {
      Thread.sleep(25);
    }
    assertThat(a.upstream.requestCount()).as("the first copy reached the upstream").isEqualTo(1);
    // the client's retry (its first attempt seemed slow) reaches gw-b while the first copy runs on gw-a
    HttpResponse<String> retry = send(b, key).get(60, TimeUnit.SECONDS);
    HttpResponse<String> firstAnswer = first.get(60, TimeUnit.SECONDS);

    assertThat(firstAnswer.statusCode()).as(firstAnswer.body()).isEqualTo(200);
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
    long charges = Wallets.count(a.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'") - chargesBefore;
    assertThat(charges).as("charges for one Idempotency-Key").isEqualTo(1);
    assertThat(a.upstream.requestCount()).as("upstream calls for one Idempotency-Key").isEqualTo(1);
    assertThat(retry.headers().firstValue("x-tollgate-idempotent-replay")).as("the retry is a replay").isPresent();
  }

  private static CompletableFuture<HttpResponse<String>> send(GatewayFixture g, String key) {
    return g.chatAsync(CHAT, Duration.ofSeconds(60), "idempotency-key", key, "x-mock", "latency_ms=3000");
  }
}

package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the cross-process Idempotency-Key claim: the claim's expiry is computed from the configuration serving
 * at the moment of the claim ({@code config.current()}), while the request then runs with the configuration it
 * captured when it arrived ({@code call.config}). A copy that waited on another process's claim (a dead process's,
 * which it waits out until its expiry: minutes) arrived before a reload that shortened the channels' timeouts; when it
 * takes the claim over, its claim expires after the new, short timeouts plus the grace, but it runs under the old,
 * long ones (its hold expires by those). Once its claim expires, a retry on another process takes the key over and
 * runs it again: two upstream calls and two charges for one Idempotency-Key.
 */
class ClusterIdempotencyStaleTtlTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"stale\"}]}";

  @TempDir
  static Path dir;
  static String url;
  static MutableClock clock;
  static GatewayFixture a;
  static GatewayFixture b;
  static Path bConfig;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_idem_stale_ttl");
    clock = new MutableClock(Instant.now());
    a = GatewayFixture.startPostgres(dir, url, "gw-a", clock);
    // first-byte timeouts generous enough for a loaded 2-core machine: no attempt fails over to another leg
    Files.writeString(a.configFile, Files.readString(a.configFile).replaceAll("first_byte_ms: \\d+", "first_byte_ms: 20000")
        .replaceAll("idle_ms: \\d+", "idle_ms: 20000"));
    HttpResponse<String> reloaded = a.post("/admin/config/reload", "{}", a.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
    bConfig = dir.resolve("gw-b.yaml");
    // gw-b starts with a long total timeout on the primary channels: its requests' holds expire 10 min + grace after
    Files.writeString(bConfig, Files.readString(a.configFile).replace("total_ms: 10000}", "total_ms: 600000}"));
    b = a.peer("gw-b", bConfig);
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @Test
  void aCopyThatTakesOverAClaimAfterAReloadIsNotRunAgainWhileItRuns() throws Exception {
    String idempotencyKey = UUID.randomUUID().toString();
    String keyId = a.store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT id FROM api_keys"); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    });
    String scope = keyId + ":" + idempotencyKey;
    // a process killed (kill -9) while running the first request with the key left its claim, 5 s from expiry
    Wallets.execute(a.store, "INSERT INTO idempotency_claims (scope, token, node, body_sha256, expires_at) VALUES ('"
        + scope + "', 'dead-token', 'gw-dead', '" + sha256(CHAT) + "', " + (clock.millis() + 5_000) + ")");
    a.upstream.resetCounts();
    long chargesBefore = Wallets.count(a.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'");

    // the client's retry reaches gw-b, which waits on the dead claim
    CompletableFuture<HttpResponse<String>> first = send(b, idempotencyKey);
    Thread.sleep(300);
    assertThat(first).isNotDone();
    // meanwhile the operator shortens every channel's total timeout, and reloads
    Files.writeString(bConfig, Files.readString(bConfig).replaceAll("total_ms: \\d+", "total_ms: 2000"));
    HttpResponse<String> reloaded = b.post("/admin/config/reload", "{}", b.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);

    // the dead claim expires: gw-b takes it over and runs the copy (under the configuration it arrived with)
    clock.advance(Duration.ofSeconds(6));
    waitForUpstreamCalls(1);
    // while gw-b's upstream call is under way, 70 s pass: past the new timeouts' claim expiry (the longest route, 4
    // legs of 2 s, plus the one-minute grace), well within the hold's (10 min plus the grace)
    clock.advance(Duration.ofSeconds(70));
    // the client's next retry reaches gw-a
    CompletableFuture<HttpResponse<String>> second = send(a, idempotencyKey);

    HttpResponse<String> firstAnswer = first.get(60, TimeUnit.SECONDS);
    HttpResponse<String> secondAnswer = second.get(60, TimeUnit.SECONDS);
    assertThat(firstAnswer.statusCode()).as(firstAnswer.body()).isEqualTo(200);
    assertThat(secondAnswer.statusCode()).as(secondAnswer.body()).isEqualTo(200);
    long charges = Wallets.count(a.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'") - chargesBefore;
    assertThat(charges).as("charges for one Idempotency-Key").isEqualTo(1);
    assertThat(a.upstream.requestCount()).as("upstream calls for one Idempotency-Key").isEqualTo(1);
    assertThat(secondAnswer.headers().firstValue("x-tollgate-request-id"))
        .as("the retry replays the request that ran")
        .isEqualTo(firstAnswer.headers().firstValue("x-tollgate-request-id"));
  }

  private static void waitForUpstreamCalls(long n) throws InterruptedException {
    for (int i = 0; i < 200 && a.upstream.requestCount() < n; i++) {
      Thread.sleep(25);
    }
    assertThat(a.upstream.requestCount()).as("upstream calls").isEqualTo(n);
  }

  private static CompletableFuture<HttpResponse<String>> send(GatewayFixture g, String key) {
    return g.chatAsync(CHAT, Duration.ofSeconds(60), "idempotency-key", key, "x-mock", "latency_ms=3000");
  }

  private static String sha256(String body) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
  }
}

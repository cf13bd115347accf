package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.core.Hold;
import io.tollgate.testing.ServeProcesses;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of one gateway process (a real OS process, {@code tollgate serve}) while it holds money for requests
 * in flight: the other gateways on the database keep serving, the dead one's holds end by the expiry rule (voided,
 * uncharged, with interrupted receipts), and the ledger verifies clean: no charge lost or doubled.
 */
class KillNineTest {
  private static final String CHAT = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";

  @TempDir
  Path dir;

  @Test
  void theOthersKeepServingAndTheDeadProcesssHoldsAreVoidedAtExpiry() throws Exception {
    String url = Postgres.freshSchema("kill_nine");
    GatewayFixture a = GatewayFixture.startPostgres(dir, url, "gw-a");
    GatewayFixture b = a.peer("gw-b");
    Process child = null;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    try {
      child = startChild(a, url);
      int childPort = port(child);
      Accountant accountant = Accountant.of(a.store, a.clock);
      int heldBefore = accountant.view().pending().size();

      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        inFlight.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + childPort + "/v1/chat/completions"))
            .header("authorization", "Bearer " + a.key).header("content-type", "application/json")
            .header("x-mock", "latency_ms=60000").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      // every one of them holds money (gw-a's core reads the child's holds from the shared journal)
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (accountant.view().pending().size() < heldBefore + 8 && System.nanoTime() < waitUntil) {
        Thread.sleep(50);
      }
      List<Hold> childHolds = accountant.view().pending();
      assertThat(childHolds).hasSize(heldBefore + 8);

      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

      for (int i = 0; i < 6; i++) {
        GatewayFixture g = i % 2 == 0 ? a : b;
        HttpResponse<String> served = g.chat(CHAT);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
      }
      for (CompletableFuture<HttpResponse<String>> r : inFlight) {
        assertThat(r).failsWithin(Duration.ofSeconds(30));
      }
      assertThat(a.store.writeNow(HoldRecovery.expire(accountant, a.clock.millis())).count())
          .as("nothing is voided before its expiry").isZero();

      long expiry = childHolds.stream().mapToLong(Hold::expiresAtMs).max().orElseThrow();
      HoldRecovery.Resolved resolved = a.store.writeNow(HoldRecovery.expire(accountant, expiry + 1));

      assertThat(resolved.count()).isEqualTo(8);
      assertThat(accountant.view().pending()).isEmpty();
      for (String requestId : resolved.requestIds()) {
        JsonObject receipt = new JsonObject(b.get("/v1/receipts/" + requestId, b.bearer()).body());
        assertThat(receipt.getString("outcome")).isEqualTo("interrupted");
        assertThat(receipt.getBoolean("charged")).isFalse();
      }
      JsonObject verify = new JsonObject(b.get("/admin/ledger/verify", b.admin()).body());
      assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
    } finally {
      if (child != null) {
        child.destroyForcibly();
      }
      b.close();
      a.close();
      Postgres.drop(url);
    }
  }

  private Process startChild(GatewayFixture a, String url) throws Exception {
    Path config = dir.resolve("child.yaml");
    Files.writeString(config, Files.readString(a.configFile) + "\nstore: {kind: postgres, url: '" + url + "', user: "
        + Postgres.user() + ", node: gw-child}\n");
    return ServeProcesses.start(config, dir.resolve("child-data"), a.env, "-Xmx256m");
  }

  private static int port(Process child) throws Exception {
    return ServeProcesses.port(child, 90, false);
  }
}

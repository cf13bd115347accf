package io.tollgate.research;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.app.Gateway;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.cli.Main;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.mock.MockUpstream;
import io.tollgate.store.Store;
import io.tollgate.tenants.Account;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway process killed with SIGKILL in the middle of a research run: the section in flight had journaled its hold
 * before its upstream call. At the next start recovery voids that hold by the rule in docs/billing.md, its receipt
 * says interrupted and names the run, nothing is charged, the run's envelope (counters in memory) is gone with the
 * process, and the ledger verifies.
 */
class ResearchRunKillTest {
  private static final long RMB_MICROS = 50_000_000L;
  private static final String CREDENTIAL = "KILL_TEST_UPSTREAM_KEY";

  @TempDir
  Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Process gateway;

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.destroyForcibly().waitFor();
    }
    GatewayFixture.await(vertx.close());
  }

  @Test
  void aKilledRunLeavesNoHoldOpenNoChargeAndAVerifiedLedger() throws Exception {
    MockUpstream upstream = GatewayFixture.await(MockUpstream.start(vertx, 0));
    Path config = Files.writeString(dir.resolve("tollgate.yaml"), config(upstream.baseUrl()));
    Path database = dir.resolve("tollgate.db");
    String key;
    String account;
    try (Store store = Store.open(database)) {
      Tenants tenants = new Tenants(store, Clock.systemUTC());
      Account a = tenants.createAccount("researcher");
      Project project = tenants.createProject(a.id(), "desk");
      IssuedKey issued = new Keys(store, Clock.systemUTC()).create(project.id(), "desk-key", KeyScope.DEFAULT);
      new Ledger(Accountant.of(store, Clock.systemUTC())).topUp(a.id(), Bucket.RMB, RMB_MICROS, "kill-test", "test balance");
      key = issued.secret();
      account = a.id();
    }
    int port = freePort();
    ProcessBuilder process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "serve", "--config", config.toString(), "--data", dir.toString(), "--port", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile());
    process.environment().put(CREDENTIAL, "test-upstream-credential");
    gateway = process.start();
    String base = "http://127.0.0.1:" + port;
    awaitServing(base);

    JsonObject quote = post(base + "/v1/research/quote", key, new JsonObject().put("symbol", "ACME").put("mode", "quick"));
    JsonObject run = post(base + "/v1/research/runs", key, new JsonObject().put("quote_id", quote.getString("id")));
    // the first section's call reached the upstream, which never answers: its hold was journaled before that call
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (upstream.requestCount() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(upstream.requestCount()).as("the section's call reached the upstream").isEqualTo(1);

    gateway.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no close, no projection
    gateway = null;

    try (Store store = Store.open(database)) {
      ConfigLoader loader = new ConfigLoader(name -> CREDENTIAL.equals(name) ? "test-upstream-credential" : null);
      Gateway restarted = GatewayFixture.await(Gateway.start(vertx, new ConfigHolder(loader.load(config), loader), store, 0,
          Clock.systemUTC()));
      try {
        assertThat(Wallets.count(store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")).isZero();
        assertThat(Wallets.count(store, "SELECT COUNT(*) FROM holds WHERE resolution = 'recovered_on_startup'")).isEqualTo(1);
        assertThat(Wallets.wallet(store, account, Bucket.RMB).held()).isZero();
        assertThat(Wallets.balance(store, account, Bucket.RMB)).as("nothing charged").isEqualTo(RMB_MICROS);
        String body = store.read(c -> {
          try (var s = c.createStatement(); var rs = s.executeQuery("SELECT body FROM receipts WHERE outcome = 'interrupted'")) {
            assertThat(rs.next()).as("the interrupted section's receipt").isTrue();
            return rs.getString(1);
          }
        });
        JsonObject receipt = new JsonObject(body);
        assertThat(receipt.getString("run")).isEqualTo(run.getString("id"));
        assertThat(receipt.getBoolean("charged")).isFalse();
        assertThat(Accountant.of(store, Clock.systemUTC()).view().snapshot().counters())
            .as("the run's envelope left no counter behind").noneMatch(c -> c.counter().contains(run.getString("id")));
        Wallets.assertVerified(store, System.currentTimeMillis());
      } finally {
        GatewayFixture.await(restarted.stop());
      }
    }
  }

  private static String config(String upstream) {
    return """
        channels:
          - id: stuck
            base_url: %s
            api_key: ${KILL_TEST_UPSTREAM_KEY}
            headers: {x-mock: "latency_ms=600000"}
            timeouts: {connect_ms: 1000, first_byte_ms: 600000, idle_ms: 600000, total_ms: 600000}
        models:
          - id: chat-a
            max_output_tokens: 1000
            prices:
              routed: {input: 1.00, output: 2.00}
        routes:
          - model: chat-a
            type: routed
            legs:
              - {channel: stuck, upstream_model: up-a}
        research:
          data: {source: sample}
          modes:
            quick:
              window_days: 260
              sections:
                - {id: overview, title: Overview, model: chat-a, route_type: routed, max_tokens: 200}
                - {id: risks, title: Risk factors, model: chat-a, route_type: routed, max_tokens: 200}
        """.formatted(upstream);
  }

  private JsonObject post(String url, String key, JsonObject body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + key)
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    return new JsonObject(r.body());
  }

  private void awaitServing(String base) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      assertThat(gateway.isAlive()).as(() -> log()).isTrue();
      try {
        http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(), HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the gateway did not start serving:\n" + log());
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("gateway.log"));
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

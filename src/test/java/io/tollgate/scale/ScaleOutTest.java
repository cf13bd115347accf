package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateway processes (three Vert.x instances, stores and node names in one JVM) on one PostgreSQL database: what
 * one does, the others' admission sees, and together they never overdraw a wallet. Admission is atomic across them
 * because every write transaction holds the journal's advisory lock and first applies the others' events; no Redis
 * is involved here.
 */
class ScaleOutTest {
  private static final String SMALL_CHAT = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";

  @TempDir
  static Path dir;
  static String url;
  static MutableClock clock = new MutableClock(Instant.now());
  static GatewayFixture a;
  static GatewayFixture b;
  static GatewayFixture c;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("scale_out");
    a = GatewayFixture.startPostgres(dir, url, "gw-a", clock);
    b = a.peer("gw-b");
    c = a.peer("gw-c");
  }

  @AfterAll
  static void stop() throws Exception {
    for (GatewayFixture f : new GatewayFixture[] {c, b, a}) {
      if (f != null) {
        f.close();
      }
    }
    Postgres.drop(url);
  }

  @Test
  void aTopUpThroughOneIsSeenByTheOthersAdmission() {
    Tenant t = Tenant.funded(a, "late-funded", null, null);
    HttpResponse<String> refused = b.post("/v1/chat/completions", SMALL_CHAT, t.bearer());
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(402);

    assertThat(a.post("/admin/accounts/" + t.accountId() + "/topups",
        "{\"bucket\":\"RMB\",\"amount\":\"5\",\"idempotency_key\":\"later\"}", a.admin()).statusCode()).isEqualTo(201);

    HttpResponse<String> served = b.post("/v1/chat/completions", SMALL_CHAT, t.bearer());
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    HttpResponse<String> alsoServed = c.post("/v1/chat/completions", SMALL_CHAT, t.bearer());
    assertThat(alsoServed.statusCode()).as(alsoServed.body()).isEqualTo(200);
    JsonObject wallet = new JsonObject(a.get("/v1/wallet", t.bearer()).body()).getJsonArray("buckets").getJsonObject(1);
    long charged = Long.parseLong(served.headers().firstValue("x-tollgate-cost").orElseThrow())
        + Long.parseLong(alsoServed.headers().firstValue("x-tollgate-cost").orElseThrow());
    assertThat(wallet.getLong("balance_micros")).isEqualTo(5_000_000L - charged);
  }

  @Test
  void concurrentRequestsOverThreeGatewaysNeverOverdrawOneSmallWallet() throws Exception {
    // a few requests' worst case: most of the 45 are refused, and those admitted never take the wallet below zero
    Tenant t = Tenant.funded(a, "small-wallet", null, "0.0006");
    GatewayFixture[] gateways = {a, b, c};
    ExecutorService clients = Executors.newFixedThreadPool(15);
    List<Future<HttpResponse<String>>> responses = new ArrayList<>();
    try {
      for (int i = 0; i < 45; i++) {
        GatewayFixture g = gateways[i % 3];
        responses.add(clients.submit(() -> g.post("/v1/chat/completions", SMALL_CHAT, t.bearer())));
      }
      int served = 0;
      int refused = 0;
      long charged = 0;
      for (Future<HttpResponse<String>> r : responses) {
        HttpResponse<String> response = r.get();
        // 504: on a loaded machine the upstream may miss the test channel's first-byte timeout; nothing is charged then
        assertThat(response.statusCode()).as(response.body()).isIn(200, 402, 504);
        if (response.statusCode() == 200) {
          served++;
          charged += Long.parseLong(response.headers().firstValue("x-tollgate-cost").orElseThrow());
        } else if (response.statusCode() == 402) {
          refused++;
        }
      }
      assertThat(served).isPositive();
      assertThat(refused).isPositive();
      for (GatewayFixture g : gateways) {
        JsonObject rmb = new JsonObject(g.get("/v1/wallet", t.bearer()).body()).getJsonArray("buckets").getJsonObject(1);
        assertThat(rmb.getLong("balance_micros")).isEqualTo(600L - charged).isNotNegative();
        assertThat(rmb.getLong("held_micros")).as("every hold resolved").isZero();
      }
      JsonObject verify = new JsonObject(b.get("/admin/ledger/verify", b.admin()).body());
      assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aRevokeThroughOneIsRefusedByTheOthersWithinASecond() {
    Tenant t = Tenant.create(a, "revoked-elsewhere");
    assertThat(b.post("/v1/chat/completions", SMALL_CHAT, t.bearer()).statusCode()).isEqualTo(200);

    assertThat(a.post("/admin/keys/" + t.keyId() + "/revoke", "", a.admin()).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofMillis(1_000));

    HttpResponse<String> refused = b.post("/v1/chat/completions", SMALL_CHAT, t.bearer());
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
  }

  @Test
  void theHoldsOfAStoppedNodeAreVoidedByAnotherOnceExpiredAndNotBefore() throws Exception {
    Tenant t = Tenant.create(a, "dead-node");
    GatewayFixture dead = a.peer("gw-dead");
    long expiresAt = clock.millis() + 60_000;
    Hold hold = take(dead, t, "hold_dead_1", "req_dead_1", expiresAt);
    dead.close();

    Accountant accountant = Accountant.of(a.store, clock);
    assertThat(a.store.writeNow(HoldRecovery.expire(accountant, clock.millis())).requestIds()).doesNotContain("req_dead_1");
    assertThat(accountant.wallet(t.accountId(), Bucket.RMB).heldMicros()).isEqualTo(hold.amountMicros());

    HoldRecovery.Resolved resolved = a.store.writeNow(HoldRecovery.expire(accountant, expiresAt + 1));

    assertThat(resolved.requestIds()).contains("req_dead_1");
    assertThat(accountant.wallet(t.accountId(), Bucket.RMB).heldMicros()).isZero();
    JsonObject receipt = new JsonObject(a.get("/v1/receipts/req_dead_1", t.bearer()).body());
    assertThat(receipt.getString("outcome")).isEqualTo("interrupted");
    assertThat(receipt.getBoolean("charged")).isFalse();
    JsonObject verify = new JsonObject(c.get("/admin/ledger/verify", c.admin()).body());
    assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
  }

  @Test
  void aNodeRestartedUnderItsNameVoidsOnlyItsOwnHolds() throws Exception {
    Tenant t = Tenant.create(a, "restarting-node");
    GatewayFixture node = a.peer("gw-restart");
    take(node, t, "hold_own_1", "req_own_1", clock.millis() + 60_000);
    Hold othersHold = take(a, t, "hold_other_1", "req_other_1", clock.millis() + 60_000);
    node.close();

    GatewayFixture again = a.peer("gw-restart");
    try {
      Snapshot.WalletState wallet = Accountant.of(again.store, clock).wallet(t.accountId(), Bucket.RMB);
      assertThat(wallet.heldMicros()).as("only gw-a's hold is still pending").isEqualTo(othersHold.amountMicros());
      assertThat(Accountant.of(again.store, clock).view().pending()).extracting(Hold::id).contains("hold_other_1")
          .doesNotContain("hold_own_1");
    } finally {
      again.close();
      a.store.writeNow(Accountant.of(a.store, clock).voidHold("hold_other_1", "failed_attempt"));
    }
  }

  @Test
  void theJournalLockIsMeasuredInTheMetrics() {
    Tenant t = Tenant.create(a, "lock-meter");
    assertThat(b.post("/v1/chat/completions", SMALL_CHAT, t.bearer()).statusCode()).isEqualTo(200);

    String metrics = b.get("/admin/metrics", b.admin()).body();

    assertThat(metrics).contains("tollgate_store_journal_lock_wait_seconds_total",
        "tollgate_store_journal_lock_held_seconds_total");
    assertThat(metrics.lines().filter(l -> l.startsWith("tollgate_store_journal_lock_acquisitions_total"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum()).isPositive();
  }

  @Test
  void aSecondProcessUnderALiveNodesNameIsRefused() {
    assertThatThrownBy(() -> Postgres.open(url, "gw-b")).isInstanceOf(io.tollgate.store.StoreException.class)
        .hasMessageContaining("the node name 'gw-b' is in use by another gateway process");
  }

  private static Hold take(GatewayFixture g, Tenant t, String holdId, String requestId, long expiresAt) {
    Object taken = g.store.writeNow(Accountant.of(g.store, clock).reserve(new Attempt(holdId, requestId, t.accountId(),
        Bucket.RMB, 1_000, List.of(), expiresAt), new HoldContext(requestId, t.accountId(), t.projectId(), t.keyId(),
        "chat.completions", "chat-a", "routed", "primary", "main", "up-a-routed", 10, false, clock.millis())));
    assertThat(taken).isInstanceOf(Hold.class);
    return (Hold) taken;
  }
}

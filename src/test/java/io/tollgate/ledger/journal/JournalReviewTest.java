package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Posting;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review of the journal: each test names a way the projections or the checks go wrong. */
class JournalReviewTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;
  private Store store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /**
   * The request path posts a charge and writes its receipt in one transaction, as Billing.settle does; the charge
   * transfer is only a projection, left for a later batch. A gateway that stops (or is killed) before that batch
   * leaves a database in which `tollgate ledger verify` (read-only, as the CLI opens it) reports a charged receipt
   * without its charge transfer, and the CLI's listings show the balance before the charge.
   */
  @Test
  void verifyOnAStoppedGatewaysDatabaseFindsNoBrokenInvariant() {
    store = Store.open(dir.resolve("v.db"));
    String account = new Tenants(store, CLOCK).createAccount("v").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    Hold hold = take(accountant, account, "req-1", 2_000_000);
    store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100, (c, posting) -> receipt(c, account, posting)));
    assertThat(accountant.behind()).as("the charge waits for a projection batch").isPositive();
    // a clean stop: Gateway.stop cancels the projection timer, then the store closes
    store.close();
    store = null;

    try (Store readOnly = Store.openReadOnly(dir.resolve("v.db"))) {
      LedgerVerifier.Report report = LedgerVerifier.verify(readOnly, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
      assertThat(readOnly.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB))).balance())
          .as("the CLI's view of the wallet after the charge").isEqualTo(4_000_000);
    }
  }

  /**
   * The admin endpoint's verify runs on the gateway's own store: Store.read catches the projections up first, but
   * the checks are separate statements on an autocommit connection, so a request settled between the catch-up and
   * the receipts check has its receipt (written with the posting) and not yet its charge transfer (a projection).
   * Under traffic, /admin/ledger/verify then reports broken invariants that are not broken.
   */
  @Test
  void verifyOnALiveGatewayFindsNoBrokenInvariantWhileRequestsSettle() throws Exception {
    store = Store.open(dir.resolve("live.db"));
    String account = new Tenants(store, CLOCK).createAccount("live").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 1_000_000_000, "t1", null);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread traffic = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        Hold hold = take(accountant, account, "req-" + i, 1_000);
        store.writeNow(accountant.post(hold.id(), List.of(), 500, 10, (c, posting) -> receipt(c, account, posting)));
      }
    });
    traffic.start();
    try {
      long until = System.currentTimeMillis() + 3_000;
      while (System.currentTimeMillis() < until) {
        LedgerVerifier.Report report = LedgerVerifier.verify(store, CLOCK.millis());
        assertThat(report.ok()).as(report.text()).isTrue();
      }
    } finally {
      stop.set(true);
      traffic.join();
    }
  }

  /**
   * The leg walk now runs inside the admit writer task, and it asks channel health with a side effect: a half-open
   * channel's probe slot is taken by {@code tryAcquire}. When another task of the same writer batch fails, the
   * batch is rolled back and the admit task is run again: the first run's probe slot is never given back, the rerun
   * finds the slot taken, skips the primary as "circuit open" and admits the fallback, and the primary's breaker
   * stays half open with a probe in flight that nobody makes: the channel is skipped for good (until a restart).
   */
  @Test
  void anAdmitRerunAfterAnotherTasksFailureDoesNotLeakTheHalfOpenProbe() throws Exception {
    io.tollgate.testing.MutableClock clock = new io.tollgate.testing.MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
    store = Store.open(dir.resolve("probe.db"));
    String account = new Tenants(store, clock).createAccount("probe").id();
    Accountant accountant = Accountant.of(store, clock);
    Bucket bucket = io.tollgate.config.RouteType.ROUTED.defaultBucket();
    new Ledger(accountant).topUp(account, bucket, 1_000_000_000, "t1", null);

    io.tollgate.config.Channel primary = channel("primary");
    io.tollgate.config.Channel backup = channel("backup");
    io.tollgate.health.HealthRegistry health = new io.tollgate.health.HealthRegistry(clock);
    health.failure(primary, 10, "http_5xx", "down");
    clock.advance(java.time.Duration.ofSeconds(2));
    assertThat(health.available(primary)).as("half open: one probe may go").isTrue();

    io.tollgate.config.Price price = new io.tollgate.config.Price(1_000_000, 1_000_000, 0, 1_000_000);
    io.tollgate.config.Route route = new io.tollgate.config.Route("chat-x", io.tollgate.config.RouteType.ROUTED, List.of(
        new io.tollgate.config.Leg("primary", "up-a", price, bucket), new io.tollgate.config.Leg("backup", "up-b", price, bucket)),
        io.tollgate.config.FallbackPolicy.defaults(2));
    java.util.Map<String, io.tollgate.config.Channel> channels = java.util.Map.of("primary", primary, "backup", backup);
    io.tollgate.ledger.core.LegHealth probe = new io.tollgate.ledger.core.LegHealth() {
      // as ProxyHandler.probe: admitting a leg takes its channel's probe slot
      @Override
      public boolean admits(int legIndex) {
        return health.tryAcquire(channels.get(route.legs().get(legIndex).channelId()));
      }

      @Override
      public boolean available(int legIndex) {
        return health.available(channels.get(route.legs().get(legIndex).channelId()));
      }
    };
    io.tollgate.config.CatalogModel model = new io.tollgate.config.CatalogModel("chat-x", "test", 32_000, 8_000,
        java.util.Map.of(io.tollgate.config.RouteType.ROUTED, price), false);
    io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject().put("model", "chat-x").put("max_tokens", 100)
        .put("messages", new io.vertx.core.json.JsonArray().add(new io.vertx.core.json.JsonObject().put("role", "user")
            .put("content", "hello")));
    io.tollgate.proxy.RequestValidator.chat(body, model);
    io.tollgate.pricing.Demand demand = io.tollgate.pricing.Demand.of(body, model,
        io.tollgate.proxy.ContextWindow.admittedPrompt(body, model).total(), io.tollgate.pricing.Overruns.Factors.NONE);
    io.tollgate.ledger.core.AdmitRequest request = io.tollgate.ledger.core.AdmitRequest.first(account, route, false,
        new io.tollgate.config.Multipliers(1_000_000, java.util.Map.of()), demand, probe, leg -> List.of());
    HoldContext context = new HoldContext("req-1", account, "proj", "key", "chat.completions", "chat-x", "routed", "primary",
        "main", "up-a", 10, false, clock.millis());

    // one writer batch: the admit task, and another request's task that fails (a receipt that cannot be written)
    java.util.concurrent.CountDownLatch gate = io.tollgate.testing.WriterGate.hold(store);
    java.util.concurrent.CompletableFuture<Accountant.Admitted> admitted = store.write(accountant.admit(request, "hold_1", "req-1",
        leg -> clock.millis() + 60_000, leg -> context));
    java.util.concurrent.CompletableFuture<Object> failing = store.write(c -> {
      throw new SQLException("another request's receipt could not be written");
    });
    gate.countDown();
    Accountant.Admitted result = admitted.get(10, java.util.concurrent.TimeUnit.SECONDS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> failing.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .hasMessageContaining("could not be written");

    // the request runs on the admitted leg and its upstream answers: the proxy reports the outcome for that channel
    int leg = result.admission().admittedLeg();
    health.success(channels.get(route.legs().get(leg).channelId()), 10);
    for (io.tollgate.ledger.core.LegVerdict v : result.admission().legs()) {
      if (v.verdict() == io.tollgate.ledger.core.Verdict.LIMIT || v.verdict() == io.tollgate.ledger.core.Verdict.BALANCE) {
        health.abandoned(channels.get(v.leg().channelId()));
      }
    }
    clock.advance(java.time.Duration.ofHours(1));
    assertThat(health.available(primary)).as("the primary can be probed again: no probe is in flight (admitted leg: %d)", leg)
        .isTrue();
  }

  private static io.tollgate.config.Channel channel(String id) {
    return new io.tollgate.config.Channel(id, id, io.tollgate.config.ProviderKind.OPENAI, java.net.URI.create("http://127.0.0.1:9/v1"),
        null, io.tollgate.config.Timeouts.DEFAULTS, java.util.Map.of(), List.of(), 1, 1_000, "max_tokens");
  }

  /**
   * Journal.rolledBack rebuilds the core (latest snapshot, up to 10,000 events replayed) after every rolled-back
   * writer transaction, even one that decided nothing. Any customer can make one: POST /v1/wallet/redeem with a
   * code that does not exist throws inside the writer task (RedeemCodes.redeem runs in Accountant.move). Each such
   * request stalls the single writer, the request path's holds and postings included, for a full rebuild (twice when
   * it shared a batch: the batch's rollback and its own rerun).
   */
  @Test
  void aRefusedRedeemThatDecidedNothingDoesNotRebuildTheCore() {
    store = Store.open(dir.resolve("redeem.db"));
    String account = new Tenants(store, CLOCK).createAccount("r").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    for (int i = 0; i < 200; i++) {
      new Ledger(accountant).topUp(account, Bucket.RMB, 1_000, "t" + i, null);
    }
    io.tollgate.ledger.core.AccountingCore before = accountant.view();

    long started = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new io.tollgate.ledger.RedeemCodes(accountant)
        .redeem(account, "tgr-not-a-code")).hasMessageContaining("does not exist");
    System.out.printf("refused redeem took %.1f ms%n", (System.nanoTime() - started) / 1e6);

    assertThat(accountant.view()).as("the core: nothing was decided, nothing to rebuild").isSameAs(before);
  }

  /**
   * ProxyHandler makes one LimitPlanner per request (call.limits, before the first leg) and Limits.planner fixes
   * "now" when it is made, so every leg of the request plans on the windows of the moment the request began. A
   * fallback leg admitted after the first leg's attempt failed (up to the channel's total timeout later) reserves
   * and counts on the window that has ended: the day (minute, month) it is charged in never sees it, and its cap
   * can be passed. Before the journal each leg's hold planned its own limits at the time it was taken.
   */
  @Test
  void aFallbackLegAdmittedAfterTheWindowTurnedCountsOnTheCurrentWindow() throws Exception {
    io.tollgate.testing.MutableClock clock = new io.tollgate.testing.MutableClock(Instant.parse("2026-12-03T15:59:50Z"));
    store = Store.open(dir.resolve("window.db"));
    String account = new Tenants(store, clock).createAccount("w").id();
    io.tollgate.limits.Limit daily = new io.tollgate.limits.Limit("lim_daily", io.tollgate.limits.Scope.ACCOUNT, account, null,
        null, null, io.tollgate.limits.Metric.REQUESTS, null, io.tollgate.limits.Window.DAY, 100, false, "admin");
    store.writeNow(c -> io.tollgate.limits.LimitSql.upsert(c, daily, clock.millis()));
    Accountant accountant = Accountant.of(store, clock);
    io.tollgate.limits.Limits limits = new io.tollgate.limits.Limits(store, clock, accountant::counter);
    limits.load();
    String yaml = new String(getClass().getResourceAsStream("/gateway-test.yaml").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    io.tollgate.config.GatewayConfig config = new io.tollgate.config.ConfigLoader(name -> "http://127.0.0.1:9/v1")
        .parse(yaml, "gateway-test.yaml", null);
    assertThat(config.timeZone()).isEqualTo(java.time.ZoneId.of("Asia/Shanghai"));

    // 23:59:50 in Shanghai: the request arrives and its planner is made (ProxyHandler, call.limits)
    io.tollgate.ledger.core.LimitPlanner planner = limits.planner(config, new io.tollgate.limits.Limits.Subject(account,
        "proj", "key", "chat-a", io.tollgate.config.RouteType.ROUTED));
    io.tollgate.config.Leg fallback = new io.tollgate.config.Leg("spare", "up-b", new io.tollgate.config.Price(1, 1, 1, 1),
        Bucket.RMB);
    // the primary's attempt times out a minute later; the fallback leg is admitted at 00:00:50 on December 4th
    clock.advance(java.time.Duration.ofMinutes(1));
    List<io.tollgate.ledger.core.LimitPlanner.Applicable> applicable = planner.applicable(fallback);

    assertThat(applicable).singleElement().satisfies(a -> {
      assertThat(a.counter()).as("the window the fallback leg is admitted and charged in").endsWith("|2026-12-04");
      assertThat(a.resetsAt()).as("when that window ends").isAfter(clock.instant());
    });
  }

  static void receipt(Connection c, String account, Posting posting) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO receipts (id, account_id, created_at, outcome, body, charged,"
        + " transfer_id, cost) VALUES (?, ?, ?, 'succeeded', '{}', ?, ?, ?)")) {
      s.setString(1, posting.requestId());
      s.setString(2, account);
      s.setLong(3, CLOCK.millis());
      s.setInt(4, posting.chargedMicros() > 0 ? 1 : 0);
      s.setString(5, posting.transferId());
      s.setLong(6, posting.chargedMicros());
      s.executeUpdate();
    }
  }

  Hold take(Accountant accountant, String account, String requestId, long micros) {
    HoldContext context = new HoldContext(requestId, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
        "main", "up-a", 10, false, CLOCK.millis());
    return (Hold) store.writeNow(accountant.reserve(new Attempt("hold_" + requestId, requestId, account, Bucket.RMB, micros,
        List.of(), CLOCK.millis() + 60_000), context));
  }
}

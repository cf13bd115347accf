package io.tollgate.redis;

import static io.tollgate.testing.GatewayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tollgate.app.Gateway;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.store.Store;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways in one JVM, each on its own SQLite file (copies of one, so they know the same keys and limits), share
 * their counters through one private Redis: a route x key spend cap holds across both, Redis down means 503
 * {@code accounting_unavailable} before any upstream call, a restarted Redis is rebuilt from both journals before
 * admission resumes, and a dead gateway's hold is released by the other's sweep.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisGatewaysTest {
  private static final String BODY = "{\"model\":\"chat-a\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  /** Noon in Shanghai (the test configuration's zone): the day window is 2026-12-03 all through the class. */
  static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-12-03T04:00:00Z"));
  static final String DAY = "2026-12-03";

  @TempDir
  static Path dirA;
  @TempDir
  static Path dirB;
  @TempDir
  static Path dirC;
  static RedisProcess redis;
  static GatewayFixture a;
  static Store storeB;
  static Gateway b;
  static Tenant capped;
  static Tenant outage;
  static Tenant dead;
  static Tenant others;
  static Map<Tenant, String> limitIds = new HashMap<>();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(RedisProcess.installed(), RedisProcess.missing());
    redis = RedisProcess.start();
    a = GatewayFixture.start(dirA, CLOCK);
    capped = tenantWithCap("capped", "0.05");
    outage = tenantWithCap("outage", "1000");
    dead = tenantWithCap("dead", "1000");
    others = tenantWithCap("others", "1");
    Files.writeString(a.configFile, Files.readString(a.configFile) + "\nredis:\n  url: " + redis.url()
        + "\n  key_prefix: \"gw:\"\n  check_interval_ms: 100\n  # the test machine is shared and loaded: a slow answer must not pass for an unreachable Redis\n  command_timeout_ms: 10000\n");
    // the two gateways start from the same file: the same accounts, keys and limits, each then with its own journal
    await(a.gateway.stop());
    a.store.close();
    for (Path dir : List.of(dirB, dirC)) {
      Files.copy(dirA.resolve("tollgate.db"), dir.resolve("tollgate.db"), StandardCopyOption.REPLACE_EXISTING);
    }
    a.store = Store.open(dirA.resolve("tollgate.db"));
    a.gateway = await(Gateway.start(a.vertx, config(a.env), a.store, 0, CLOCK));
    storeB = Store.open(dirB.resolve("tollgate.db"));
    b = await(Gateway.start(a.vertx, config(a.env), storeB, 0, CLOCK));
  }

  @AfterAll
  static void stop() throws Exception {
    if (b != null) {
      await(b.stop());
      storeB.close();
    }
    if (a != null) {
      a.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  // last: under load some upstream answers come after their requests timed out, and would count in a later test
  @Test
  @Order(4)
  void concurrentRequestsOverTwoGatewaysNeverPostMoreThanTheSharedCap() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 320; i++) {
      calls.add(send(i % 2 == 0 ? a.gateway : b, capped, "latency_ms=100,tokens=90"));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    drained();

    long ok = calls.stream().filter(c -> c.join().statusCode() == 200).count();
    long limited = calls.stream().filter(c -> c.join().statusCode() == 429).count();
    // on a loaded machine an upstream may time out before its first byte (504, uncharged): never anything else
    long timedOut = calls.stream().filter(c -> c.join().statusCode() == 504).count();
    assertThat(ok + limited + timedOut).as("every request served, refused by the limit or timed out: %s", calls.stream()
        .map(CompletableFuture::join).filter(r -> r.statusCode() != 200 && r.statusCode() != 429 && r.statusCode() != 504)
        .map(r -> r.statusCode() + " " + r.body()).limit(3).toList()).isEqualTo(320);
    assertThat(ok).isPositive();
    assertThat(limited).isPositive();
    // both gateways served some: the cap held across them, not within each
    long servedByA = calls.stream().filter(c -> c.join().statusCode() == 200)
        .filter(c -> c.join().uri().getPort() == a.gateway.port()).count();
    assertThat(servedByA).isPositive().isLessThan(ok);

    String counter = counter(capped);
    long spentA = Accountant.of(a.store, CLOCK).counter(counter)[0];
    long spentB = Accountant.of(storeB, CLOCK).counter(counter)[0];
    long charged = charged(a.store, capped) + charged(storeB, capped);
    assertThat(charged).isEqualTo(spentA + spentB).isLessThanOrEqualTo(50_000);
    assertThat(await(a.gateway.shared().counter(counter))).containsExactly(spentA + spentB, 0, 0);
    Wallets.assertVerified(a.store, CLOCK.millis());
    Wallets.assertVerified(storeB, CLOCK.millis());
  }

  @Test
  @Order(0)
  void whatOtherProcessesUsedInRedisRefusesAsTheLocalCoreWould() throws Exception {
    // other processes' use, as Redis counts it: this gateway's own core knows nothing of it
    String counter = "gw:c:" + counter(others);
    String wallet = "gw:c:" + SharedCounters.walletCounter(others.accountId(), Bucket.RMB);
    io.vertx.redis.client.Redis raw = io.vertx.redis.client.Redis.createClient(a.vertx, redis.url());
    try {
      await(raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HINCRBY).arg(counter).arg("spent")
          .arg(999_990)));
      HttpResponse<String> limited = send(a.gateway, others, "tokens=10").get(30, TimeUnit.SECONDS);
      assertThat(limited.statusCode()).as(limited.body()).isEqualTo(429);
      assertThat(new JsonObject(limited.body()).getJsonObject("error").getString("code"))
          .isEqualTo("route_key_daily_spend_limit_reached");
      assertThat(limited.headers().firstValue("retry-after")).isPresent();
      await(raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HINCRBY).arg(counter).arg("spent")
          .arg(-999_990)));

      // both wallets' 2,000 less all but 0.000500 of it, charged by other processes
      await(raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HINCRBY).arg(wallet).arg("spent")
          .arg(1_999_999_500L)));
      HttpResponse<String> poor = send(b, others, "tokens=10").get(30, TimeUnit.SECONDS);
      assertThat(poor.statusCode()).as(poor.body()).isEqualTo(402);
      assertThat(new JsonObject(poor.body()).getJsonObject("error").getString("code")).isEqualTo("insufficient_balance");
      assertThat(poor.headers().firstValue("x-tollgate-balance-available")).hasValue("500");
      await(raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.HINCRBY).arg(wallet).arg("spent")
          .arg(-1_999_999_500L)));
    } finally {
      await(raw.close());
    }
    // refused before any upstream call, with nothing held anywhere
    drained();
    assertThat(Accountant.of(a.store, CLOCK).wallet(others.accountId(), Bucket.RMB).heldMicros()).isZero();
    assertThat(Accountant.of(storeB, CLOCK).wallet(others.accountId(), Bucket.RMB).heldMicros()).isZero();
    assertThat(await(a.gateway.shared().counter(counter(others)))).containsExactly(0, 0, 0);
    assertThat(send(a.gateway, others, "tokens=10").get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(1)
  void whileRedisIsDownAdmissionFailsClosedBeforeAnyUpstreamCall() throws Exception {
    a.upstream.resetCounts();
    redis.stop();
    try {
      HttpResponse<String> refused = send(a.gateway, outage, "tokens=10").get(30, TimeUnit.SECONDS);
      HttpResponse<String> refusedByB = send(b, outage, "tokens=10").get(30, TimeUnit.SECONDS);

      for (HttpResponse<String> r : List.of(refused, refusedByB)) {
        assertThat(r.statusCode()).isEqualTo(503);
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("accounting_unavailable");
        assertThat(error.getString("type")).isEqualTo("server_error");
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
      }
      assertThat(a.upstream.requestCount()).isZero();
    } finally {
      redis.startAgain();
    }
    rebuilt();
    assertThat(send(a.gateway, outage, "tokens=10").get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(a.store.isOpen()).isTrue();
  }

  @Test
  @Order(2)
  void aRestartedRedisIsRebuiltFromBothJournalsBeforeAdmissionResumes() throws Exception {
    for (int i = 0; i < 6; i++) {
      assertThat(send(i % 2 == 0 ? a.gateway : b, outage, "tokens=40").get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    a.upstream.resetCounts();
    // requests under way while Redis stops and comes back empty
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      calls.add(send(i % 2 == 0 ? a.gateway : b, outage, "latency_ms=50,tokens=40"));
    }
    redis.stop();
    for (int i = 0; i < 20; i++) {
      calls.add(send(i % 2 == 0 ? a.gateway : b, outage, "latency_ms=50,tokens=40"));
    }
    redis.startAgain();
    for (int i = 0; i < 20; i++) {
      calls.add(send(i % 2 == 0 ? a.gateway : b, outage, "latency_ms=50,tokens=40"));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    long ok = calls.stream().filter(c -> c.join().statusCode() == 200).count();
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> r = call.join();
      if (r.statusCode() != 200) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("accounting_unavailable");
      }
    }
    // no request reached an upstream without its hold: one refused for want of Redis made no upstream attempt
    long attempts = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      HttpResponse<String> r = call.join();
      int port = r.uri().getPort();
      String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
      HttpResponse<String> receipt = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/receipts/" + id)).header("authorization", "Bearer " + outage.key()).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(receipt.statusCode()).as(receipt.body()).isEqualTo(200);
      long made = new JsonObject(receipt.body()).getJsonArray("attempts").stream()
          .map(x -> ((JsonObject) x).getString("outcome")).filter(o -> !o.startsWith("skipped")).count();
      if (r.statusCode() == 503) {
        assertThat(made).as(receipt.body()).isZero();
      }
      attempts += made;
    }
    assertThat(a.upstream.requestCount()).isEqualTo(attempts).isGreaterThanOrEqualTo(ok);

    rebuilt();
    drained();
    String counter = counter(outage);
    long[] localA = Accountant.of(a.store, CLOCK).counter(counter);
    long[] localB = Accountant.of(storeB, CLOCK).counter(counter);
    assertThat(await(a.gateway.shared().counter(counter))).containsExactly(localA[0] + localB[0], 0, 0);
    Snapshot.WalletState walletA = Accountant.of(a.store, CLOCK).wallet(outage.accountId(), Bucket.RMB);
    Snapshot.WalletState walletB = Accountant.of(storeB, CLOCK).wallet(outage.accountId(), Bucket.RMB);
    long[] wallet = await(b.shared().counter(SharedCounters.walletCounter(outage.accountId(), Bucket.RMB)));
    assertThat(wallet[2] - wallet[0] - wallet[1]).as("available in Redis")
        .isEqualTo(walletA.availableMicros() + walletB.availableMicros());
    assertThat(send(b, outage, "tokens=10").get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    Wallets.assertVerified(a.store, CLOCK.millis());
    Wallets.assertVerified(storeB, CLOCK.millis());
  }

  @Test
  @Order(3)
  void theHoldOfADeadGatewayIsReleasedByTheOthersSweepAfterItExpires() throws Exception {
    // gateway C calls an upstream that never answers, and dies with the hold it took in Redis
    Promise<Void> arrived = Promise.promise();
    HttpServer silent = await(a.vertx.createHttpServer().requestHandler(request -> arrived.tryComplete()).listen(0));
    Map<String, String> env = new HashMap<>(a.env);
    env.put("UPSTREAM", "http://127.0.0.1:" + silent.actualPort() + "/v1");
    Vertx vertxC = Gateway.newVertx();
    Store storeC = Store.open(dirC.resolve("tollgate.db"));
    Gateway c = await(Gateway.start(vertxC, config(env), storeC, 0, CLOCK));
    CompletableFuture<HttpResponse<String>> abandoned = send(c, dead, "tokens=10");
    await(arrived.future());
    String counter = counter(dead);
    long[] held = await(a.gateway.shared().counter(counter));
    assertThat(held[1]).as("held by the dying gateway").isPositive();
    await(c.shared().close());
    await(vertxC.close());
    storeC.close();
    abandoned.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
    await(silent.close());

    // its hold expires after the channel's total timeout (10 s) and a minute; the sweep waits a minute more
    long expiresAt = CLOCK.millis() + 10_000 + 60_000;
    assertThat(await(b.sweepShared(expiresAt))).isEmpty();
    List<String> released = await(b.sweepShared(expiresAt + 60_001));
    assertThat(released).hasSize(1);
    assertThat(await(b.sweepShared(expiresAt + 60_001))).isEmpty();
    assertThat(await(b.shared().counter(counter))[1]).isZero();
    assertThat(await(b.shared().counter(SharedCounters.walletCounter(dead.accountId(), Bucket.RMB)))[1]).isZero();
  }

  private static Tenant tenantWithCap(String name, String cap) {
    Tenant t = Tenant.funded(a, name, null, "1000");
    HttpResponse<String> limit = a.post("/admin/limits", "{\"scope\":\"route_key\",\"subject\":\"" + t.keyId()
        + "\",\"model\":\"chat-a\",\"route_type\":\"routed\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\","
        + "\"cap\":\"" + cap + "\"}", a.admin());
    assertThat(limit.statusCode()).as(limit.body()).isEqualTo(201);
    limitIds.put(t, new JsonObject(limit.body()).getString("id"));
    return t;
  }

  private static String counter(Tenant t) {
    return limitIds.get(t) + "|" + t.keyId() + "|" + DAY;
  }

  private static ConfigHolder config(Map<String, String> env) {
    ConfigLoader loader = new ConfigLoader(env::get);
    return new ConfigHolder(loader.load(a.configFile), loader);
  }

  private static CompletableFuture<HttpResponse<String>> send(Gateway gateway, Tenant t, String mock) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(60))
        .header("authorization", "Bearer " + t.key())
        .header("content-type", "application/json")
        .header("x-tollgate-route", "routed")
        .header("x-mock", mock)
        .POST(HttpRequest.BodyPublishers.ofString(BODY))
        .build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private static long charged(Store store, Tenant t) {
    return Wallets.scalar(store, "SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE kind = 'charge'"
        + " AND debit_account = 'wallet:" + t.accountId() + ":RMB'");
  }

  /** Both gateways' state is in Redis again (each rebuilds its share when Redis lacks it). */
  private static void rebuilt() throws Exception {
    await(a.gateway.shared().start());
    await(b.shared().start());
  }

  /** Every posting and void both gateways journaled has reached Redis. */
  private static void drained() throws Exception {
    await(a.gateway.shared().drained());
    await(b.shared().drained());
  }
}

package io.tollgate.scale;

import static io.tollgate.testing.GatewayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.redis.RedisProcess;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.ServeProcesses;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of one of three gateway OS processes on one PostgreSQL schema and one private Redis, under load:
 * the two others keep serving; once the dead process's holds expire a live process voids them (uncharged) and their
 * reservations leave Redis, whose counters then equal PostgreSQL's limit usage and wallet; and every upstream call in
 * the relay's log has exactly one hold and at most one charge, those of the dead process's requests included.
 */
class ClusterKillNineTest {
  private static final String BODY = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";
  private static final String PREFIX = "k9:";
  private static final int SLOW = 10;

  @TempDir
  static Path dir;
  static RedisProcess redis;
  static GatewayFixture setup;
  static String url;
  static ClusterProcessesTest.Relay relay;
  static Tenant tenant;
  static String limit;
  static final List<Process> processes = new ArrayList<>();
  static final List<Integer> ports = new ArrayList<>();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(60)).build();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(RedisProcess.installed(), RedisProcess.missing());
    Postgres.user();
    url = Postgres.freshSchema("cluster_kill_nine");
    setup = GatewayFixture.startPostgres(dir, url, "gw-setup");
    tenant = Tenant.funded(setup, "kill-nine", null, "1000");
    HttpResponse<String> created = setup.post("/admin/limits", "{\"scope\":\"route_key\",\"subject\":\""
        + tenant.keyId() + "\",\"model\":\"chat-a\",\"route_type\":\"routed\",\"metric\":\"spend\",\"bucket\":\"RMB\","
        + "\"window\":\"day\",\"cap\":\"0.5\"}", setup.admin());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    limit = new JsonObject(created.body()).getString("id");
    await(setup.gateway.stop());

    redis = RedisProcess.start();
    relay = ClusterProcessesTest.Relay.start(setup.vertx, setup.upstream.port());
    // a total timeout of 12 s: the dead process's holds expire 72 s after they were taken (plus the minute's grace)
    String base = Files.readString(setup.configFile)
        .replace("forward_headers: [x-mock]", "forward_headers: [x-mock, x-probe]")
        .replaceFirst("timeouts: \\{connect_ms: 1000, first_byte_ms: 1500, idle_ms: 1500, total_ms: 10000}",
            "timeouts: {connect_ms: 5000, first_byte_ms: 10000, idle_ms: 10000, total_ms: 12000}");
    assertThat(base).contains("x-probe").contains("total_ms: 12000");
    for (int n = 1; n <= 3; n++) {
      Path config = dir.resolve("gw-" + n + ".yaml");
      Files.writeString(config, base + "\nstore: {kind: postgres, url: '" + url + "', user: " + Postgres.user()
          + ", node: gw-" + n + "}\nredis:\n  url: " + redis.url() + "\n  key_prefix: \"" + PREFIX + "\"\n"
          + "  check_interval_ms: 100\n  command_timeout_ms: 10000\n  hold_grace_ms: 0\n");
      processes.add(startProcess(config, n));
    }
    for (Process p : processes) {
      ports.add(ServeProcesses.port(p, 120, true));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    ClusterProcessesTest.stopCluster(processes, relay, setup, redis, url);
  }

  @Test
  void theOthersServeOnAndTheDeadProcesssHoldsEndByExpiryInPostgresAndRedis() throws Exception {
    Map<String, CompletableFuture<HttpResponse<String>>> calls = new TreeMap<>();
    // load over the three for two seconds
    long t0 = System.currentTimeMillis();
    int i = 0;
    for (; System.currentTimeMillis() - t0 < 2_000; i++) {
      pace(t0, i);
      calls.put(probe(i), send(ports.get(i % 3), probe(i), "latency_ms=20,tokens=10"));
    }
    // every request sent to gw-3 so far is answered; then it takes requests that are still upstream when it dies,
    // while the load goes on over the two others
    for (int v = 2; v < i; v += 3) {
      calls.get(probe(v)).get(60, TimeUnit.SECONDS);
    }
    Process victim = processes.get(2);
    List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
    for (int s = 0; s < SLOW; s++) {
      slow.add(send(ports.get(2), "slow-" + s, "latency_ms=9000,tokens=10"));
    }
    long waitUntil = System.currentTimeMillis() + 60_000;
    while (slowCalls() < SLOW && System.currentTimeMillis() < waitUntil) {
      pace(t0, i);
      calls.put(probe(i), send(ports.get(i % 2), probe(i), "latency_ms=20,tokens=10"));
      i++;
    }
    assertThat(slowCalls()).as("every slow request reached the upstream").isEqualTo(SLOW);
    victim.destroyForcibly(); // SIGKILL
    assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
    long killedAt = System.currentTimeMillis();
    int firstAfterKill = i;
    for (; System.currentTimeMillis() - killedAt < 3_000; i++) {
      pace(t0, i);
      calls.put(probe(i), send(ports.get(i % 2), probe(i), "latency_ms=20,tokens=10"));
    }
    CompletableFuture.allOf(calls.values().toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    for (CompletableFuture<HttpResponse<String>> s : slow) {
      assertThat(s).as("the dead process answered nothing").failsWithin(Duration.ofSeconds(30));
    }

    Map<Integer, Integer> byStatus = new TreeMap<>();
    int servedAfterKill = 0;
    List<String> unexpected = new ArrayList<>();
    for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> call : calls.entrySet()) {
      HttpResponse<String> r = call.getValue().join();
      byStatus.merge(r.statusCode(), 1, Integer::sum);
      if (r.statusCode() == 200 && Integer.parseInt(call.getKey().substring(5)) >= firstAfterKill) {
        servedAfterKill++;
      }
      if (r.statusCode() != 200 && r.statusCode() != 504) {
        unexpected.add(call.getKey() + ": " + r.statusCode() + " " + r.body());
      }
    }
    System.out.printf("ClusterKillNineTest: %d requests, %s; %d served by the two others after the kill%n",
        calls.size(), byStatus, servedAfterKill);
    assertThat(unexpected).as("every request served (or timed out upstream)").isEmpty();
    assertThat(servedAfterKill).as("the others keep serving").isPositive();

    // the dead process's holds (those of the requests nobody answered): pending until their expiry, then voided by
    // a live process's sweep (every 30 s)
    java.util.Set<String> answered = new java.util.HashSet<>();
    calls.values().forEach(r -> answered.add(r.join().headers().firstValue("x-tollgate-request-id").orElseThrow()));
    List<String[]> dead = deadHolds(answered);
    assertThat(dead).as("the dead process's holds, one per slow request").hasSize(SLOW);
    assertThat(pending()).as("nothing voided before its expiry").isEqualTo(SLOW);
    // and until then Redis keeps their reservations: on the cap and on the wallet, what they hold
    long deadHeld = dead.stream().mapToLong(h -> Long.parseLong(h[4])).sum();
    String counter = counterKey();
    String wallet = "wallet|" + tenant.accountId() + "|RMB";
    Redis raw = Redis.createClient(setup.vertx, redis.url());
    try {
      assertThat(new long[] {field(raw, PREFIX + "c:" + counter, "held"), field(raw, PREFIX + "c:" + wallet, "held"),
          zcard(raw, PREFIX + "holds")}).as("Redis's reservations of the dead process's holds")
          .containsExactly(deadHeld, deadHeld, (long) SLOW);
    } finally {
      await(raw.close());
    }
    long expiry = dead.stream().mapToLong(h -> Long.parseLong(h[2])).max().orElseThrow();
    long until = Math.max(expiry, System.currentTimeMillis()) + 90_000;
    while (pending() > 0 && System.currentTimeMillis() < until) {
      Thread.sleep(500);
    }
    assertThat(pending()).as("every hold resolved").isZero();
    for (String[] hold : deadHolds(answered)) {
      assertThat(hold[1] + " " + hold[5]).as("voided at its expiry, uncharged").isEqualTo("voided expired");
      assertThat(Long.parseLong(hold[3])).as("not before its expiry").isGreaterThanOrEqualTo(Long.parseLong(hold[2]));
    }

    // Redis: the dead process's reservations released; its counters equal PostgreSQL's limit usage and wallet
    long balance = Wallets.balance(setup.store, tenant.accountId(), Bucket.RMB);
    long usage = Wallets.scalar(setup.store, "SELECT COALESCE(SUM(spent), 0) FROM limit_usage WHERE counter_key LIKE '"
        + limit + "|" + tenant.keyId() + "|%'");
    raw = Redis.createClient(setup.vertx, redis.url());
    try {
      long[] seen;
      long redisUntil = System.currentTimeMillis() + 60_000;
      do {
        seen = new long[] {field(raw, PREFIX + "c:" + counter, "spent"), field(raw, PREFIX + "c:" + counter, "held"),
            field(raw, PREFIX + "c:" + wallet, "cap") - field(raw, PREFIX + "c:" + wallet, "spent")
                - field(raw, PREFIX + "c:" + wallet, "held"), zcard(raw, PREFIX + "holds")};
        if (seen[0] == usage && seen[1] == 0 && seen[2] == balance && seen[3] == 0) {
          break;
        }
        Thread.sleep(500);
      } while (System.currentTimeMillis() < redisUntil);
      System.out.printf("ClusterKillNineTest: Redis cap spent %d held %d, wallet available %d, holds %d;"
          + " PostgreSQL usage %d, balance %d%n", seen[0], seen[1], seen[2], seen[3], usage, balance);
      assertThat(seen).as("Redis's cap spent and held, the wallet's available, the holds it keeps")
          .containsExactly(usage, 0, balance, 0);
    } finally {
      await(raw.close());
    }

    // the two others stop gracefully; then the join of the relay's log with PostgreSQL's holds and charges
    for (Process p : processes.subList(0, 2)) {
      p.destroy();
    }
    for (Process p : processes.subList(0, 2)) {
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    // this test's own store serves no requests and has no projection tick: its core learns the others' events when
    // it next writes or follows the journal (a read whose projections are current no longer tails it)
    Accountant mine = Accountant.of(setup.store, setup.clock);
    mine.follow().get(10, TimeUnit.SECONDS);
    assertThat(mine.view().pending()).isEmpty();
    Wallets.assertVerified(setup.store, System.currentTimeMillis());
    Map<String, Map<String, int[]>> holds = holdsByRequest();
    Map<String, Integer> charges = chargesByRequest();
    List<String> wrong = new ArrayList<>();
    int joined = 0;
    for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> call : calls.entrySet()) {
      HttpResponse<String> r = call.getValue().join();
      String requestId = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
      Map<String, int[]> legs = holds.getOrDefault(requestId, Map.of());
      for (Map.Entry<String, AtomicInteger> upstream : relay.calls.getOrDefault(call.getKey(), Map.of()).entrySet()) {
        joined += upstream.getValue().get();
        int[] leg = legs.getOrDefault(upstream.getKey(), new int[2]);
        if (upstream.getValue().get() != 1 || leg[0] != 1) {
          wrong.add(call.getKey() + ": " + upstream.getValue().get() + " calls to " + upstream.getKey() + " with "
              + leg[0] + " holds");
        }
      }
      int charged = charges.getOrDefault(requestId, 0);
      if (charged > 1 || (r.statusCode() == 200) != (charged == 1)) {
        wrong.add(call.getKey() + ": " + r.statusCode() + " with " + charged + " charges");
      }
    }
    // the slow requests died with their process, unanswered: each made one upstream call, and the dead process held
    // exactly one hold per slow request (all voided, none charged)
    for (String[] hold : dead) {
      if (charges.getOrDefault(hold[0], 0) != 0 || holds.get(hold[0]).values().stream().mapToInt(l -> l[0]).sum() != 1) {
        wrong.add("dead request " + hold[0] + ": " + charges.getOrDefault(hold[0], 0) + " charges");
      }
    }
    for (int s = 0; s < SLOW; s++) {
      joined += relay.calls("slow-" + s);
      if (relay.calls("slow-" + s) != 1) {
        wrong.add("slow-" + s + ": " + relay.calls("slow-" + s) + " upstream calls");
      }
    }
    assertThat(wrong).as("every upstream call has exactly one hold and at most one charge").isEmpty();
    assertThat(joined).as("every upstream call joined").isEqualTo(relay.total.get());
  }

  private static String counterKey() {
    return setup.store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT counter_key FROM limit_usage WHERE counter_key LIKE ?")) {
        s.setString(1, limit + "|" + tenant.keyId() + "|%");
        try (ResultSet rs = s.executeQuery()) {
          assertThat(rs.next()).isTrue();
          return rs.getString(1);
        }
      }
    });
  }

  private static String probe(int i) {
    return String.format("load-%05d", i);
  }

  private static void pace(long t0, int i) throws InterruptedException {
    long wait = t0 + i * 25L - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  private static int slowCalls() {
    int n = 0;
    for (int s = 0; s < SLOW; s++) {
      n += relay.calls("slow-" + s);
    }
    return n;
  }

  private static long pending() {
    return Wallets.count(setup.store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'");
  }

  /**
   * The holds of requests nobody answered (the dead process's): request id, status, expiry, resolved at, amount,
   * resolution.
   */
  private static List<String[]> deadHolds(java.util.Set<String> answered) {
    return setup.store.read(c -> {
      List<String[]> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT request_id, status, expires_at, COALESCE(resolved_at, 0),"
          + " amount, COALESCE(resolution, '') FROM holds"); ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (!answered.contains(rs.getString(1))) {
            out.add(new String[] {rs.getString(1), rs.getString(2), Long.toString(rs.getLong(3)),
                Long.toString(rs.getLong(4)), Long.toString(rs.getLong(5)), rs.getString(6)});
          }
        }
      }
      return out;
    });
  }

  private static Map<String, Map<String, int[]>> holdsByRequest() {
    Map<String, Map<String, int[]>> holds = new HashMap<>();
    setup.store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT request_id, resolution, status, context FROM holds");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          String resolution = rs.getString(2);
          boolean admitted = !"refused_by_shared_counters".equals(resolution)
              && !"shared_counters_unavailable".equals(resolution);
          JsonObject context = new JsonObject(rs.getString(4));
          String model = context.getString("upstreamModel", context.getString("upstream_model"));
          int[] leg = holds.computeIfAbsent(rs.getString(1), r -> new HashMap<>()).computeIfAbsent(model, m -> new int[2]);
          leg[0] += admitted ? 1 : 0;
          leg[1] += "posted".equals(rs.getString(3)) ? 1 : 0;
        }
      }
      return null;
    });
    return holds;
  }

  private static Map<String, Integer> chargesByRequest() {
    Map<String, Integer> charges = new HashMap<>();
    setup.store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT request_id FROM transfers WHERE kind = 'charge'");
          ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          charges.merge(rs.getString(1), 1, Integer::sum);
        }
      }
      return null;
    });
    return charges;
  }

  private static CompletableFuture<HttpResponse<String>> send(int port, String probe, String mock) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(90))
        .header("authorization", "Bearer " + tenant.key())
        .header("content-type", "application/json")
        .header("x-tollgate-route", "routed")
        .header("x-mock", mock)
        .header("x-probe", probe)
        .POST(HttpRequest.BodyPublishers.ofString(BODY))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long field(Redis raw, String key, String field) throws Exception {
    Response r = await(raw.send(Request.cmd(Command.HGET).arg(key).arg(field)));
    return r == null ? 0 : r.toLong();
  }

  private static long zcard(Redis raw, String key) throws Exception {
    Response r = await(raw.send(Request.cmd(Command.ZCARD).arg(key)));
    return r == null ? 0 : r.toLong();
  }

  private static Process startProcess(Path config, int n) throws Exception {
    Map<String, String> env = new HashMap<>(setup.env);
    env.put("UPSTREAM", relay.baseUrl());
    return ServeProcesses.start(config, dir.resolve("data-" + n), env, "-Xmx384m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1");
  }
}

package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * The money review's property: an upstream that reports any usage at all (missing, partial, in another
 * provider's shape, negative, huge, above the hold), clients that leave at random moments, fallbacks, and
 * concurrent retries with one Idempotency-Key, all at once. After each batch: the ledger verifies, every wallet
 * dropped by exactly the sum of its receipts' charges, every spend limit stayed within its cap plus the excess
 * its receipts declare, and each idempotency key was charged at most once.
 */
class UpstreamLiesPropertyTest {
  private static final List<String> LIES = List.of("", "usage=empty", "usage=anthropic", "usage=prompt_only", "usage=none",
      "completion_tokens=-1000000", "prompt_tokens=-3", "completion_tokens=99999999999999999999",
      "prompt_tokens=123456789012", "tokens=900,ignore_max_tokens=true", "cached_tokens=999999", "drop_after=2",
      "error_after=1", "tokens=3", "status=400");
  /** The spend cap (RMB micros per day) each tenant's key gets: a few requests' worth, so refusals happen too. */
  private static final long SPEND_CAP_MICROS = 3_000;

  /**
   * One client request. {@code group} picks the tenant; every request of group 0 carries the batch's one
   * Idempotency-Key. {@code leaveAfterMs} is when the client closes without reading (-1: it reads the answer).
   */
  record Shot(int group, boolean idempotent, boolean stream, boolean fallback, String lie, int leaveAfterMs, int maxTokens) {}

  private GatewayFixture f;

  @BeforeProperty
  void start() throws Exception {
    f = GatewayFixture.start(Files.createTempDirectory("tollgate-lies"));
  }

  @AfterProperty
  void stop() throws Exception {
    f.close();
  }

  @Property(tries = 12, seed = "20261203")
  void moneyFollowsTheReceiptsWhateverTheUpstreamSaysAndWheneverTheClientLeaves(@ForAll("batches") List<Shot> batch)
      throws Exception {
    List<Tenant> tenants = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      Tenant t = Tenant.create(f, "lies-" + g);
      HttpResponse<String> limit = f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
          + "\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap_micros\":" + SPEND_CAP_MICROS + "}", f.admin());
      assertThat(limit.statusCode()).as(limit.body()).isEqualTo(201);
      tenants.add(t);
    }
    long[] before = new long[tenants.size()];
    for (int g = 0; g < tenants.size(); g++) {
      before[g] = Wallets.balance(f.store, tenants.get(g).accountId(), Bucket.RMB);
    }
    String idempotencyKey = "prop-" + System.nanoTime();

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> sent = new ArrayList<>();
      for (Shot shot : batch) {
        sent.add(pool.submit(() -> send(tenants.get(shot.group()), shot, idempotencyKey)));
      }
      for (Future<?> s : sent) {
        s.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    awaitNoPendingHolds();

    Wallets.assertVerified(f.store, System.currentTimeMillis());
    for (int g = 0; g < tenants.size(); g++) {
      Tenant t = tenants.get(g);
      long dropped = before[g] - Wallets.balance(f.store, t.accountId(), Bucket.RMB);
      long receipts = Wallets.scalar(f.store, "SELECT COALESCE(SUM(json_extract(body, '$.charged_micros')), 0) FROM receipts"
          + " WHERE account_id = '" + t.accountId() + "'");
      assertThat(dropped).as("tenant %d: wallet drop = the sum of its receipts' charges", g).isEqualTo(receipts);
      assertThat(dropped).as("tenant %d: never a credit", g).isGreaterThanOrEqualTo(0);
      long excess = Wallets.scalar(f.store, "SELECT COALESCE(SUM(json_extract(body, '$.excess_micros')), 0) FROM receipts"
          + " WHERE account_id = '" + t.accountId() + "'");
      assertThat(spent(t)).as("tenant %d: spend within the cap plus declared excess", g).isLessThanOrEqualTo(SPEND_CAP_MICROS + excess);
      if (g == 0) {
        long charges = Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge' AND debit_account = '"
            + LedgerIds.wallet(t.accountId(), Bucket.RMB) + "'");
        assertThat(charges).as("one Idempotency-Key, at most one charge").isLessThanOrEqualTo(1);
      }
    }
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM receipts WHERE charged = 1"))
        .isEqualTo(Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'"));
  }

  @Provide
  Arbitrary<List<Shot>> batches() {
    Arbitrary<Shot> shot = Combinators.combine(
        Arbitraries.integers().between(0, 2),
        Arbitraries.of(true, false),
        Arbitraries.of(true, false),
        Arbitraries.of(LIES),
        Arbitraries.of(-1, -1, 0, 5, 40, 150),
        Arbitraries.of(5, 50, 400)).as((group, stream, fallback, lie, leave, max) ->
            // group 0 is the idempotent tenant: every request of it carries the one key (bodies may differ: 409)
            new Shot(group, group == 0, stream, fallback, lie, leave, max));
    return shot.list().ofMinSize(4).ofMaxSize(14);
  }

  private void send(Tenant t, Shot shot, String idempotencyKey) {
    String body = "{\"model\":\"chat-a\",\"max_tokens\":" + shot.maxTokens() + (shot.stream() ? ",\"stream\":true" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"what does the upstream say\"}]}";
    String mock = (shot.fallback() ? "status=503,when_model=up-a-routed | " : "") + (shot.lie().isEmpty() ? "tokens=20" : shot.lie())
        + (shot.leaveAfterMs() >= 0 ? ",latency_ms=" + (shot.leaveAfterMs() % 2 == 0 ? 20 : 0) : "");
    String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.key()
        + "\r\nContent-Type: application/json\r\nx-tollgate-route: routed\r\nx-mock: " + mock
        + (shot.idempotent() ? "\r\nIdempotency-Key: " + idempotencyKey : "")
        + "\r\nConnection: close\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", f.gateway.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body.getBytes(StandardCharsets.UTF_8));
      out.flush();
      if (shot.leaveAfterMs() >= 0) {
        Thread.sleep(shot.leaveAfterMs());
        return; // the client leaves: the socket closes, whatever the gateway was doing
      }
      InputStream in = socket.getInputStream();
      in.readAllBytes();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private long spent(Tenant t) {
    JsonArray limits = new JsonObject(f.get("/admin/limits?subject=" + t.keyId(), f.admin()).body()).getJsonArray("data");
    return limits.stream().map(JsonObject.class::cast).mapToLong(l -> l.getLong("spent")).sum();
  }

  private void awaitNoPendingHolds() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'") > 0) {
      assertThat(System.nanoTime()).as("every hold ends").isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(100); // a failed request's receipt is written just after its void
  }
}

package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrency can never overspend: holds are taken atomically on the balance before any upstream call. */
class ConcurrentSpendTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void threeHundredConcurrentRequestsNeverTakeTheBalanceBelowZero() throws Exception {
    String body = "{\"model\":\"chat-a\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    String key = fundedKey();
    String account = new JsonObject(f.get("/v1/wallet", "authorization", "Bearer " + key).body()).getString("account_id");
    // find the worst case of one request from a refusal's own numbers: top up exactly 100 of them
    long worstCase = worstCase(key, body);
    f.post("/admin/accounts/" + account + "/topups", "{\"bucket\":\"RMB\",\"amount_micros\":" + (100 * worstCase)
        + ",\"idempotency_key\":\"hundred\"}", f.admin());
    long before = Wallets.balance(f.store, account, Bucket.RMB);
    assertThat(before).isEqualTo(100 * worstCase);
    f.upstream.resetCounts();

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .timeout(Duration.ofSeconds(60))
          .header("authorization", "Bearer " + key)
          .header("content-type", "application/json")
          // the upstream answers slowly, so every request holds its worst case at the same time
          .header("x-mock", "latency_ms=300,tokens=900")
          .POST(HttpRequest.BodyPublishers.ofString(body))
          .build();
      calls.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    long ok = calls.stream().filter(c -> c.join().statusCode() == 200).count();
    long refused = calls.stream().filter(c -> c.join().statusCode() == 402).count();
    assertThat(ok + refused).isEqualTo(300);
    assertThat(ok).isBetween(100L, 300L);
    long after = Wallets.balance(f.store, account, Bucket.RMB);
    assertThat(after).isGreaterThanOrEqualTo(0);
    long chargedToThisAccount = Wallets.scalar(f.store, "SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE kind = 'charge'"
        + " AND debit_account = 'wallet:" + account + ":RMB'");
    assertThat(before - after).isEqualTo(chargedToThisAccount);
    long fromHeaders = calls.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 200)
        .mapToLong(r -> Long.parseLong(r.headers().firstValue("x-tollgate-cost").orElseThrow())).sum();
    assertThat(fromHeaders).isEqualTo(chargedToThisAccount);
    // a primary that times out under this load falls back, and the backup may then be refused: so at least one call per success
    assertThat(f.upstream.requestCount()).isGreaterThanOrEqualTo(ok);
    assertThat(Wallets.wallet(f.store, account, Bucket.RMB).held()).isZero();
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  private static long worstCase(String key, String body) {
    HttpResponse<String> refused = f.post("/v1/chat/completions", body, "authorization", "Bearer " + key);
    assertThat(refused.statusCode()).isEqualTo(402);
    return Long.parseLong(refused.headers().firstValue("x-tollgate-amount-needed").orElseThrow());
  }

  private static String fundedKey() {
    return Tenant.funded(f, "burst", null, null).key();
  }

}

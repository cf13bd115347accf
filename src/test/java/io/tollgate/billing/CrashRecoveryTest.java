package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.app.Gateway;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.store.Store;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Holds left open when the gateway dies are resolved on the next start by the rule in docs/billing.md. */
class CrashRecoveryTest {
  @TempDir
  Path dir;

  @Test
  void voidsEveryHoldLeftOpenByACrashAndWritesInterruptedReceipts() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    String account = f.project.accountId();
    long before = Wallets.balance(f.store, account, Bucket.RMB);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + f.key)
          .header("content-type", "application/json")
          .header("x-mock", "latency_ms=60000")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    awaitPendingHolds(f.store, 12);
    assertThat(Wallets.wallet(f.store, account, Bucket.RMB).held()).isPositive();

    // the crash: the store's writer stops with the holds open, then the process's event loops go away
    f.store.close();
    GatewayFixture.await(f.vertx.close());
    inFlight.forEach(call -> call.handle((r, e) -> null).join());

    Vertx vertx = Vertx.vertx();
    try (Store store = Store.open(dir.resolve("tollgate.db"))) {
      ConfigLoader loader = new ConfigLoader(f.env::get);
      Gateway restarted = GatewayFixture.await(Gateway.start(vertx, new ConfigHolder(loader.load(f.configFile), loader),
          store, 0, Clock.systemUTC()));

      assertThat(Wallets.count(store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")).isZero();
      assertThat(Wallets.count(store, "SELECT COUNT(*) FROM holds WHERE resolution = 'recovered_on_startup'")).isEqualTo(12);
      assertThat(Wallets.wallet(store, account, Bucket.RMB).held()).isZero();
      assertThat(Wallets.balance(store, account, Bucket.RMB)).isEqualTo(before);
      assertThat(Wallets.count(store, "SELECT COUNT(*) FROM receipts WHERE outcome = 'interrupted' AND charged = 0")).isEqualTo(12);
      String body = store.read(c -> {
        try (var s = c.createStatement(); var rs = s.executeQuery("SELECT body FROM receipts WHERE outcome = 'interrupted' LIMIT 1")) {
          rs.next();
          return rs.getString(1);
        }
      });
      JsonObject receipt = new JsonObject(body);
      assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("recovered");
      assertThat(receipt.getString("upstream_model")).isEqualTo("up-a-routed");
      Wallets.assertVerified(store, System.currentTimeMillis());
      GatewayFixture.await(restarted.stop());
    } finally {
      GatewayFixture.await(vertx.close());
    }
  }

  private static void awaitPendingHolds(Store store, int expected) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      if (Wallets.count(store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'") == expected) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("holds never became pending");
  }
}

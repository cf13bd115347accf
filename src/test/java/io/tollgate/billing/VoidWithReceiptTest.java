package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.ledger.Accountant;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request that charges nothing ends with its hold voided and its receipt written in one transaction: when the
 * receipt cannot be written, the void is not kept either, and the hold stays open for recovery, which receipts it. A
 * void committed apart from its receipt (a crash, or a failure, between the two) would leave a request with no receipt.
 */
class VoidWithReceiptTest {
  @TempDir
  Path dir;

  @Test
  void aVoidIsNeverKeptWithoutItsReceipt() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    try {
      Accountant accountant = Accountant.of(f.store, Clock.systemUTC());
      // a route of one leg whose upstream refuses after a while (or times out, on a loaded machine): the request ends
      // uncharged, its hold voided
      CompletableFuture<HttpResponse<String>> refused = CompletableFuture.supplyAsync(() -> f.chat(
          "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
          "x-mock", "status=400,latency_ms=300"));
      long deadline = System.currentTimeMillis() + 10_000;
      while (accountant.view().pending().isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
      assertThat(accountant.view().pending()).hasSize(1);
      String requestId = accountant.view().pending().get(0).requestId();
      // receipts cannot be written while the request ends
      Wallets.execute(f.store, "ALTER TABLE receipts RENAME TO receipts_away");
      assertThat(refused.get().statusCode()).isGreaterThanOrEqualTo(400);
      
      Wallets.execute(f.store, "ALTER TABLE receipts_away RENAME TO receipts");

      assertThat(accountant.view().pending()).as("the void went with the receipt that could not be written")
          .extracting(h -> h.requestId()).containsExactly(requestId);

      f.restart();

      assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")).isZero();
      JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + requestId, f.bearer()).body());
      assertThat(receipt.getString("outcome")).isEqualTo("interrupted");
      assertThat(receipt.getBoolean("charged")).isFalse();
      Wallets.assertVerified(f.store, System.currentTimeMillis());
    } finally {
      f.close();
    }
  }

  @Test
  void aRequestMovingOnToItsBackupHasAReceiptUntilItsFinalOneReplacesIt() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    try {
      Accountant accountant = Accountant.of(f.store, Clock.systemUTC());
      CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> f.chat(
          "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
          "x-mock", "status=503,when_model=up-a-routed | latency_ms=800,when_model=up-a-routed-backup",
          "x-tollgate-route", "routed"));
      long deadline = System.currentTimeMillis() + 10_000;
      // the primary failed and its hold was voided; while the backup runs, the request already has a receipt
      String requestId = null;
      while (requestId == null && System.currentTimeMillis() < deadline) {
        requestId = f.store.read(c -> {
          try (var s = c.prepareStatement("SELECT id FROM receipts WHERE outcome = 'in_progress'"); var rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
          }
        });
        Thread.sleep(5);
      }
      assertThat(requestId).as("a provisional receipt while the backup runs").isNotNull();
      JsonObject provisional = new JsonObject(f.get("/v1/receipts/" + requestId, f.bearer()).body());
      assertThat(provisional.getString("outcome")).as("what a client reading it mid-request sees").isEqualTo("in_progress");
      assertThat(provisional.getBoolean("charged")).isFalse();
      assertThat(provisional.getJsonArray("attempts").size()).as("the failed primary").isEqualTo(1);
      // the backup's hold, once taken, belongs to the same request
      String id = requestId;
      assertThat(accountant.view().pending()).allMatch(h -> h.requestId().equals(id));

      HttpResponse<String> served = answer.get();
      assertThat(served.headers().firstValue("x-tollgate-request-id")).hasValue(requestId);
      JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + requestId, f.bearer()).body());
      assertThat(receipt.getString("outcome")).as("the final receipt replaced the provisional one").isEqualTo("succeeded");
      assertThat(receipt.getJsonArray("attempts").size()).isEqualTo(2);
      Wallets.assertVerified(f.store, System.currentTimeMillis());
    } finally {
      f.close();
    }
  }
}

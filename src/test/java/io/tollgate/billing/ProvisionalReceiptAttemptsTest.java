package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.RouteType;
import io.tollgate.ledger.Accountant;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From the review (it failed before the fix): a request that fails over twice keeps the provisional receipt of its FIRST failover only
 * (Billing.voidMovingOn uses ReceiptSql.insertIfAbsent). If the process dies while the third leg runs, recovery finds
 * a receipt (exists()) and writes none: the receipt left lacks the second leg's upstream attempt, which did call an
 * upstream. billing.md promises "its attempts so far"; DESIGN says a receipt records every attempt.
 */
class ProvisionalReceiptAttemptsTest {
  @TempDir
  Path dir;

  private static final String POL = "{\"model\":\"pol\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void theReceiptACrashLeavesDuringTheThirdLegNamesBothFailedAttempts() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    try {
      String relaxed = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL), true));
      Accountant accountant = Accountant.of(f.store, Clock.systemUTC());
      CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> f.post("/v1/chat/completions",
          POL, "authorization", "Bearer " + relaxed, "x-tollgate-route", "official", "x-mock",
          "status=503,when_model=up-pol-off | status=503,when_model=up-pol-off-rmb"
              + " | latency_ms=3000,when_model=up-pol-off-costly"));
      // wait until the third leg (backup-2) holds: both earlier legs failed and were voided
      long deadline = System.currentTimeMillis() + 15_000;
      String requestId = null;
      while (System.currentTimeMillis() < deadline) {
        var pending = accountant.view().pending();
        if (!pending.isEmpty() && f.upstream.requestCount("up-pol-off-costly") > 0) {
          requestId = pending.get(0).requestId();
          break;
        }
        Thread.sleep(5);
      }
      assertThat(requestId).as("the third leg is under way").isNotNull();
      final String id = requestId;
      // what a kill -9 now leaves on disk (recovery keeps it: the request already has a receipt)
      String body = f.store.read(c -> {
        try (var s = c.prepareStatement("SELECT body FROM receipts WHERE id = ?")) {
          s.setString(1, id);
          try (var rs = s.executeQuery()) {
            return rs.next() ? rs.getString(1) : null;
          }
        }
      });
      assertThat(body).isNotNull();
      JsonObject receipt = new JsonObject(body);
      assertThat(receipt.getJsonArray("attempts").stream().map(a -> ((JsonObject) a).getString("upstream_model")).toList())
          .as("the attempts so far: both failed legs called an upstream")
          .contains("up-pol-off", "up-pol-off-rmb");
      answer.get();
    } finally {
      f.close();
    }
  }
}

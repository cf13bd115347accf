package io.tollgate.research;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.ledger.Accountant;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway stopped in the middle of a research run: the section in flight held its worst case before its upstream
 * call. Stopping cuts the run's own call to the gateway, so the section ends as a client that left (its prompt, which
 * reached the upstream, is charged, docs/billing.md); what a stop leaves open, recovery voids at the restart (in a
 * kill -9 it would be this hold, receipted as interrupted). Either way no hold stays open, the section's receipt names
 * the run, the run's charge stays within its quote, and the ledger verifies.
 */
class ResearchRunCrashTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    // an upstream that never answers: the first section stays in flight
    f.replaceUpstream(request -> { });
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void aRunCutByARestartLeavesNoHoldOpenAndItsSectionReceiptedAsInterrupted() throws Exception {
    HttpResponse<String> q = f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"quick\"}", f.bearer());
    assertThat(q.statusCode()).as(q.body()).isEqualTo(200);
    JsonObject quote = new JsonObject(q.body());
    HttpResponse<String> r = f.post("/v1/research/runs", "{\"quote_id\":\"" + quote.getString("id") + "\"}", f.bearer());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String runId = new JsonObject(r.body()).getString("id");
    Accountant before = Accountant.of(f.store, Clock.systemUTC());
    long deadline = System.currentTimeMillis() + 10_000;
    while (before.view().pending().isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(before.view().pending()).as("the first section holds before its upstream call").hasSize(1);
    String requestId = before.view().pending().get(0).requestId();

    f.restart();

    Accountant after = Accountant.of(f.store, Clock.systemUTC());
    assertThat(after.view().pending()).as("recovery voided the section's hold").isEmpty();
    String body = f.store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT body FROM receipts WHERE id = ?")) {
        s.setString(1, requestId);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? rs.getString(1) : "{}";
        }
      }
    });
    JsonObject receipt = new JsonObject(body);
    // the stop cut the section in flight, or came between its hold and its upstream call (refused: the gateway stops)
    assertThat(receipt.getString("outcome") + ":" + receipt.getString("error_code")).as(receipt.encodePrettily())
        .matches("client_disconnected:.*|interrupted:.*|rejected:gateway_stopping");
    assertThat(receipt.getString("run")).isEqualTo(runId);
    long charged = receipt.getLong("charged_micros", 0L);
    assertThat(charged).isLessThanOrEqualTo(quote.getJsonObject("cost").getJsonObject("RMB").getLong("max_micros"));
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }
}

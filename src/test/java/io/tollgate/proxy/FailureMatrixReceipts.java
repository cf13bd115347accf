package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;

/** Reads a receipt through the admin API and checks it against the money that moved. */
final class FailureMatrixReceipts {
  /** A receipt is final when the request settles; after a hang-up that may be a moment later (until then it is absent or in_progress). */
  private static final long RECEIPT_WAIT_MS = 5_000;
  private static final long MICROS_PER_MTOK = 1_000_000L;

  private FailureMatrixReceipts() {}

  static JsonObject await(GatewayFixture f, String id) throws InterruptedException {
    long deadline = System.nanoTime() + RECEIPT_WAIT_MS * 1_000_000L;
    while (true) {
      HttpResponse<String> response = f.get("/admin/receipts/" + id, f.admin());
      if (response.statusCode() == 200) {
        JsonObject receipt = new JsonObject(response.body());
        if (!"in_progress".equals(receipt.getString("outcome"))) {
          return receipt;
        }
      } else {
        assertThat(response.statusCode()).as("receipt %s: %s", id, response.body()).isEqualTo(404);
      }
      assertThat(System.nanoTime()).as("receipt %s within %d ms", id, RECEIPT_WAIT_MS).isLessThan(deadline);
      Thread.sleep(25);
    }
  }

  /** The charge equals the wallet's drop and the cost of the receipt's usage; every hold of the request ended. */
  static void assertMoney(GatewayFixture f, FailureMatrixCase c, JsonObject receipt, long dropped) {
    String id = receipt.getString("id");
    long attemptsMade = receipt.getJsonArray("attempts").size();
    assertThat(receipt.getBoolean("charged")).as("charged").isEqualTo(c.served());
    if (c.served()) {
      long charged = receipt.getLong("charged_micros");
      assertThat(charged).as("charged_micros").isPositive().isEqualTo(dropped).isEqualTo(receipt.getLong("cost_micros"));
      assertThat(receipt.getString("bucket")).isEqualTo("RMB");
      assertThat(receipt.getString("transfer_id")).isEqualTo("charge:" + id);
      assertThat(receipt.containsKey("uncollected_micros")).as("uncollected_micros").isFalse();
      assertThat(receipt.getLong("hold_micros")).isGreaterThanOrEqualTo(charged);
      assertThat(charged).as("cost of the receipt's usage at its prices").isEqualTo(costOf(receipt));
    } else {
      assertThat(dropped).as("wallet drop").isZero();
      assertThat(receipt.getLong("charged_micros", 0L)).as("charged_micros").isZero();
      assertThat(receipt.containsKey("transfer_id")).as("transfer_id").isFalse();
    }
    long posted = c.served() ? 1 : 0;
    assertThat(count(f, "SELECT COUNT(*) FROM holds WHERE status = 'pending'")).as("pending holds").isZero();
    assertThat(count(f, "SELECT COUNT(*) FROM holds WHERE request_id = '" + id + "'")).as("holds, one per attempt")
        .isEqualTo(attemptsMade);
    assertThat(count(f, "SELECT COUNT(*) FROM holds WHERE request_id = '" + id + "' AND status = 'posted'"))
        .as("posted holds").isEqualTo(posted);
    assertThat(count(f, "SELECT COUNT(*) FROM holds WHERE request_id = '" + id + "' AND status = 'voided'"))
        .as("voided holds").isEqualTo(attemptsMade - posted);
    assertThat(count(f, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge' AND request_id = '" + id + "'"))
        .as("charge transfers").isEqualTo(posted);
  }

  private static long costOf(JsonObject receipt) {
    JsonObject usage = receipt.getJsonObject("usage");
    JsonObject prices = receipt.getJsonObject("prices");
    long micros = usage.getLong("prompt_tokens") * prices.getLong("input_micros_per_mtok")
        + usage.getLong("completion_tokens") * prices.getLong("output_micros_per_mtok");
    return (micros + MICROS_PER_MTOK - 1) / MICROS_PER_MTOK;
  }

  private static long count(GatewayFixture f, String sql) {
    return Wallets.count(f.store, sql);
  }
}

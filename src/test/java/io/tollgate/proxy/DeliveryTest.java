package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A charge for an answer nobody received: the client leaves while its answer is being settled. The charge stands
 * (the upstream produced the answer) and the receipt says {@code delivery: failed}, so support can find it.
 */
class DeliveryTest {
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

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {false, true})
  void anAnswerSettledAfterItsClientLeftIsChargedAndMarkedUndelivered(boolean stream) throws Exception {
    Tenant t = Tenant.create(f, "gone");
    String body = "{\"model\":\"solo\"," + (stream ? "\"stream\":true," : "")
        + "\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    // settling now takes a while: long enough for the client to leave between the upstream's answer and ours
    // (the settle transaction journals the posting, with its receipt: a slow journal insert slows it)
    Wallets.execute(f.store, "CREATE TRIGGER slow_receipts AFTER INSERT ON journal WHEN NEW.kind = 'posting' BEGIN SELECT COUNT(*) FROM"
        + " (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 8000000) SELECT x FROM c); END");
    f.upstream.resetCounts();
    try (Socket socket = new Socket("127.0.0.1", f.gateway.port())) {
      byte[] content = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.key()
          + "\r\nContent-Type: application/json\r\nContent-Length: " + content.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(content);
      out.flush();
      if (stream) {
        // the events, [DONE] included, are written before the stream is settled: leave once they are all here
        String received = "";
        java.io.InputStream in = socket.getInputStream();
        while (!received.contains("[DONE]")) {
          int b = in.read();
          assertThat(b).as("the stream ends with [DONE]").isNotNegative();
          received += (char) b;
        }
      } else {
        // a non-streamed answer is written after it is settled, which the trigger makes take seconds
        while (f.upstream.requestCount() == 0) {
          Thread.sleep(5);
        }
        Thread.sleep(500);
      }
    } finally {
      JsonObject receipt = awaitReceipt(t);
      Wallets.execute(f.store, "DROP TRIGGER slow_receipts");
      assertThat(receipt.getString("outcome")).as(receipt.encodePrettily()).isEqualTo("succeeded");
      assertThat(receipt.getBoolean("charged")).isTrue();
      assertThat(awaitDelivery(t)).isEqualTo("failed");
    }
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  private static JsonObject awaitReceipt(Tenant t) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      JsonArray data = new JsonObject(f.get("/v1/receipts?limit=1", t.bearer()).body()).getJsonArray("data");
      if (!data.isEmpty()) {
        return data.getJsonObject(0);
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no receipt within 10 s");
  }

  private static String awaitDelivery(Tenant t) throws InterruptedException {
    for (int i = 0; i < 250; i++) {
      String delivery = awaitReceipt(t).getString("delivery");
      if (delivery != null) {
        return delivery;
      }
      Thread.sleep(20);
    }
    return null;
  }
}

package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each channel timeout is enforced and named on the receipt (channel fragile: first byte 1 s, idle 0.4 s, total 3 s). */
class ChannelTimeoutsTest {
  @TempDir
  Path dir;
  GatewayFixture f;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterEach
  void stop() throws Exception {
    Wallets.assertVerified(f.store, System.currentTimeMillis());
    f.close();
  }

  @Test
  void namesAnIdleTimeoutMidStreamAndChargesOnlyWhatWasGenerated() {
    HttpResponse<String> response = f.chat("{\"model\":\"frag\",\"stream\":true,\"max_tokens\":50,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"slow\"}]}", "x-mock", "tps=2,tokens=50,when_model=up-frag");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("upstream_timeout_idle").doesNotContain("[DONE]");
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getString("error_code")).isEqualTo("timeout_idle");
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("estimated");
    assertThat(receipt.getJsonObject("usage").getLong("completion_tokens")).isLessThan(50L);
  }

  @Test
  void namesATotalTimeout() {
    HttpResponse<String> response = f.chat("{\"model\":\"frag\",\"stream\":true,\"max_tokens\":400,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"long\"}]}", "x-mock", "tps=50,tokens=400,when_model=up-frag");

    assertThat(response.body()).contains("upstream_timeout_total");
    assertThat(receipt(response).getString("error_code")).isEqualTo("timeout_total");
  }

  @Test
  void namesAFirstByteTimeoutAndFallsBack() {
    HttpResponse<String> response = f.chat("{\"model\":\"frag\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "x-mock", "latency_ms=5000,when_model=up-frag");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject first = receipt(response).getJsonArray("attempts").getJsonObject(0);
    assertThat(first.getString("outcome")).isEqualTo("timeout_first_byte");
    assertThat(first.getString("error")).contains("1000 ms");
  }

  private JsonObject receipt(HttpResponse<String> response) {
    return new JsonObject(f.get("/admin/receipts/" + response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        f.admin()).body());
  }
}

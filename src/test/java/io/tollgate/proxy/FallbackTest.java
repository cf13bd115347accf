package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which failures move to the next leg, which do not, and how the receipt tells it. */
class FallbackTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

  @BeforeEach
  void resetCounts() {
    f.upstream.resetCounts();
  }

  @ParameterizedTest(name = "primary {0} -> backup ({2})")
  @CsvSource({
      "status=503, false, http_5xx",
      "status=500, true, http_5xx",
      "status=429, false, http_429",
      "timeout=true, false, timeout_first_byte",
      "malformed=true, false, malformed_response",
      "timeout=true, true, timeout_first_byte",
  })
  void movesToTheBackupLeg(String failure, boolean stream, String outcome) {
    HttpResponse<String> response = f.chat(stream ? STREAM : CHAT, "x-mock", failure + ",when_model=up-a-routed");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    assertThat(response.headers().firstValue("x-tollgate-fallback")).hasValue("true");
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-a-routed-backup");
    JsonObject receipt = receipt(response);
    assertThat(receipt.getBoolean("fallback")).isTrue();
    assertThat(receipt.getString("fallback_reason")).startsWith("primary " + outcome);
    JsonArray attempts = receipt.getJsonArray("attempts");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo(outcome);
    assertThat(attempts.getJsonObject(0).getString("leg")).isEqualTo("primary");
    assertThat(attempts.getJsonObject(1).getString("outcome")).isEqualTo("ok");
    assertThat(f.upstream.requestCount("up-a-routed-backup")).isEqualTo(1);
  }

  /**
   * A backup the wallet cannot cover after the primary failed: the request failed because its upstream did, as when a
   * limit stops the backup, not for want of money (which would be wrong advice: the primary alone was affordable).
   */
  @Test
  void aBackupTheWalletCannotCoverAfterThePrimaryFailedIsAnUpstreamFailureWithTheSkipOnTheReceipt() {
    // the official route's primary costs up to about 2,000 micros here, its backup (twice the price) about 4,000
    io.tollgate.testing.Tenant t = io.tollgate.testing.Tenant.funded(f, "short-for-backup", "0.003", null);
    String body = "{\"model\":\"chat-a\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> response = f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(),
        "x-tollgate-route", "official", "x-mock", "status=503,when_model=up-a");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("upstream_unavailable");
    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        "authorization", "Bearer " + t.key()).body());
    JsonArray attempts = receipt.getJsonArray("attempts");
    assertThat(attempts.getJsonObject(0).getString("outcome")).isEqualTo("http_5xx");
    assertThat(attempts.getJsonObject(attempts.size() - 1).getString("outcome")).isEqualTo("skipped_insufficient_balance");
    assertThat(receipt.getBoolean("charged")).isFalse();
    assertThat(f.upstream.requestCount("up-a-backup")).isZero();
  }

  @Test
  void movesOnWhenThePrimaryChannelRefusesConnections() {
    HttpResponse<String> response = f.chat("{\"model\":\"chat-b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-b-backup");
    assertThat(receipt(response).getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("connect_error");
  }

  @Test
  void doesNotFallBackOnAnUpstream4xxAndPassesItThrough() {
    HttpResponse<String> response = f.chat(CHAT, "x-mock", "status=400,when_model=up-a-routed");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("message")).contains("Receipt: req_");
    assertThat(f.upstream.requestCount("up-a-routed-backup")).isZero();
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getJsonArray("attempts")).hasSize(1);
    assertThat(receipt.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isEqualTo("http_4xx");
  }

  @Test
  void answers502WithTheReceiptIdWhenEveryLegFails() {
    HttpResponse<String> response = f.chat(CHAT, "x-mock", "status=502");

    assertThat(response.statusCode()).isEqualTo(502);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    assertThat(error.getString("code")).isEqualTo("upstream_unavailable");
    assertThat(error.getString("message")).contains(id).contains("primary").contains("backup-1");
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getBoolean("charged")).isFalse();
    assertThat(receipt.getJsonArray("attempts")).hasSize(2);
  }

  @Test
  void answers504WhenEveryLegTimesOut() {
    HttpResponse<String> response = f.chat(CHAT, "x-mock", "timeout=true");

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("upstream_timeout");
  }

  @Test
  void answers503WhenEveryLegIsRateLimited() {
    HttpResponse<String> response = f.chat(CHAT, "x-mock", "status=429");

    assertThat(response.statusCode()).isEqualTo(503);
  }

  @Test
  void endsABrokenStreamWithAnErrorEventAfterTheFirstByte() {
    HttpResponse<String> response = f.chat(STREAM, "x-mock", "drop_after=2");

    assertThat(response.statusCode()).isEqualTo(200);
    String body = response.body();
    assertThat(body).contains("\"error\"").doesNotContain("[DONE]");
    assertThat(f.upstream.requestCount("up-a-routed-backup")).isZero();
    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getJsonObject("usage").getString("source")).isEqualTo("estimated");
  }

  @Test
  void estimatesUsageWhenTheUpstreamReportsNone() {
    HttpResponse<String> response = f.chat(CHAT, "x-mock", "no_usage=true");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject usage = receipt(response).getJsonObject("usage");
    assertThat(usage.getString("source")).isEqualTo("estimated");
    assertThat(usage.getLong("completion_tokens")).isPositive();
    assertThat(usage.getLong("prompt_tokens")).isPositive();
  }

  private static JsonObject receipt(HttpResponse<String> response) {
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    HttpResponse<String> receipt = f.get("/v1/receipts/" + id, f.bearer());
    assertThat(receipt.statusCode()).isEqualTo(200);
    return new JsonObject(receipt.body());
  }
}

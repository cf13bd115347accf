package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measurement mode behind {@code serve --no-accounting}: requests are still authenticated, validated, routed and
 * failed over, but nothing is held, limited, charged or receipted, and every response says so. Off is never the default.
 */
class AccountingOffTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"max_tokens\":6,"
      + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static Tenant broke;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.configureLimits("""
        limits:
          - {scope: route, model: chat-a, route_type: routed, metric: requests, window: day, cap: 1, per: account}
        """);
    // no money at all: with accounting on, this tenant is refused before any upstream call
    broke = Tenant.funded(f, "broke", null, null);
    f.restart(Accounting.OFF);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void servesWithoutHoldingLimitingChargingOrReceipting() {
    long receiptsBefore = Wallets.count(f.store, "SELECT COUNT(*) FROM receipts");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> response = f.post("/v1/chat/completions", CHAT, broke.bearer());

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.headers().firstValue(Accounting.OFF_HEADER)).hasValue("off");
      assertThat(response.headers().firstValue("x-tollgate-cost")).isEmpty();
      assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-a-routed");
      String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
      assertThat(f.get("/v1/receipts/" + id, broke.bearer()).statusCode()).isEqualTo(404);
    }
    HttpResponse<String> stream = f.post("/v1/chat/completions", STREAM, broke.bearer());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue(Accounting.OFF_HEADER)).hasValue("off");
    assertThat(stream.body()).contains("\"usage\"").endsWith("data: [DONE]\n\n");

    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM receipts")).isEqualTo(receiptsBefore);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds")).isZero();
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'")).isZero();
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM limit_usage")).isZero();
  }

  @Test
  void stillRefusesBadInputAndStillFailsOver() {
    assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer tg-not-a-key").statusCode()).isEqualTo(401);
    HttpResponse<String> unknown = f.post("/v1/chat/completions", CHAT.replace("chat-a", "no-such-model"), broke.bearer());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue(Accounting.OFF_HEADER)).hasValue("off");

    HttpResponse<String> fellBack = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + broke.key(),
        "x-mock", "status=503,when_model=up-a-routed");
    assertThat(fellBack.statusCode()).isEqualTo(200);
    assertThat(fellBack.headers().firstValue("x-tollgate-leg")).hasValue("backup-1");
    assertThat(fellBack.headers().firstValue("x-tollgate-fallback")).hasValue("true");
  }

  @Test
  void accountingComesBackOnWhenRestartedWithoutTheSwitch() throws Exception {
    f.restart();
    try {
      HttpResponse<String> refused = f.post("/v1/chat/completions", CHAT, broke.bearer());

      assertThat(refused.statusCode()).isEqualTo(402);
      assertThat(refused.headers().firstValue(Accounting.OFF_HEADER)).isEmpty();
    } finally {
      f.restart(Accounting.OFF);
    }
  }
}

package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After the primary failed, a backup the wallet cannot cover is skipped, as one its limits refuse is, and the walk goes
 * on: a later backup the wallet can cover serves. The route {@code tri} has a primary (1 and 2 per million tokens), a
 * dear backup (8 and 16) and a cheap one (1 and 2); the tenant's Credit covers a cheap leg's worst case and not the dear one's.
 */
class UnaffordableBackupTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    String config = Files.readString(f.configFile);
    config = config.replace("models:\n", """
        models:
          - id: tri-once
            max_output_tokens: 1000
            prices:
              official: {input: 1.00, output: 2.00}
          - id: tri
            max_output_tokens: 1000
            prices:
              official: {input: 1.00, output: 2.00}
        """).replace("routes:\n", """
        routes:
          - model: tri-once
            type: official
            fallback: {max_price_ratio: 10, max_attempts: 1}
            legs:
              - {channel: main, upstream_model: up-tri}
              - {channel: spare, upstream_model: up-tri-dear, price: {input: 8.00, output: 16.00}}
          - model: tri
            type: official
            fallback: {max_price_ratio: 10}
            legs:
              - {channel: main, upstream_model: up-tri}
              - {channel: spare, upstream_model: up-tri-dear, price: {input: 8.00, output: 16.00}}
              - {channel: spare, upstream_model: up-tri-cheap}
        """);
    Files.writeString(f.configFile, config);
    assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  private static final String BODY = "{\"model\":\"tri\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void aLaterBackupTheWalletCoversServesAfterTheOneItCannot() {
    // a cheap leg may cost about 2,000 micros, the dear one about 16,000
    Tenant t = Tenant.funded(f, "short-for-the-dear-backup", "0.005", null);

    HttpResponse<String> response = f.post("/v1/chat/completions", BODY, "authorization", "Bearer " + t.key(),
        "x-mock", "status=503,when_model=up-tri");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-upstream-model")).hasValue("up-tri-cheap");
    assertThat(response.headers().firstValue("x-tollgate-leg")).hasValue("backup-2");
    JsonArray attempts = receipt(t, response).getJsonArray("attempts");
    assertThat(attempts.stream().map(JsonObject.class::cast).map(a -> a.getString("leg") + " " + a.getString("outcome")))
        .containsExactly("primary http_5xx", "backup-1 skipped_insufficient_balance", "backup-2 ok");
    assertThat(f.upstream.requestCount("up-tri-dear")).isZero();
  }

  @Test
  void theQuoteWarnsOfTheBackupTheWalletCannotCover() {
    Tenant t = Tenant.funded(f, "quoted-short", "0.005", null);

    JsonObject quote = new JsonObject(f.post("/v1/quote", BODY, "authorization", "Bearer " + t.key()).body());

    assertThat(quote.getJsonArray("warnings").stream().map(JsonObject.class::cast)
        .filter(w -> w.getString("code").equals("backup_unaffordable")).map(w -> w.getString("message")))
        .singleElement().asString().startsWith("backup-1 (up-tri-dear");
    JsonObject once = new JsonObject(f.post("/v1/quote", BODY.replace("\"tri\"", "\"tri-once\""), "authorization",
        "Bearer " + t.key()).body());
    assertThat(once.getJsonArray("warnings").stream().map(JsonObject.class::cast).map(w -> w.getString("code")))
        .as("one attempt only: no backup ever runs, so none is warned of").doesNotContain("backup_unaffordable");
  }

  @Test
  void theFirstLegTheWalletCannotCoverStillRefusesTheRequestWith402() {
    Tenant t = Tenant.funded(f, "short-for-everything", "0.001", null);

    HttpResponse<String> response = f.post("/v1/chat/completions", BODY, "authorization", "Bearer " + t.key());

    assertThat(response.statusCode()).as("no leg was tried: the wallet is the reason").isEqualTo(402);
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("insufficient_balance");
  }

  private static JsonObject receipt(Tenant t, HttpResponse<String> response) {
    return new JsonObject(f.get("/v1/receipts/" + response.headers().firstValue("x-tollgate-request-id").orElseThrow(),
        "authorization", "Bearer " + t.key()).body());
  }
}

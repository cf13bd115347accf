package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every request that reaches an upstream is paid from exactly one bucket, through a hold settled at the actual cost. */
class BillingTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  String account;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @BeforeEach
  void setUp() {
    account = f.project.accountId();
    f.upstream.resetCounts();
  }

  @AfterEach
  void ledgerStaysConsistent() {
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  @Test
  void chargesTheActualCostFromTheRoutesBucketAndExplainsItOnTheReceipt() {
    long rmbBefore = Wallets.balance(f.store, account, Bucket.RMB);
    long creditBefore = Wallets.balance(f.store, account, Bucket.CREDIT);

    HttpResponse<String> response = f.chat(CHAT);

    long cost = Long.parseLong(response.headers().firstValue("x-tollgate-cost").orElseThrow());
    assertThat(cost).isPositive();
    assertThat(Wallets.balance(f.store, account, Bucket.RMB)).isEqualTo(rmbBefore - cost);
    assertThat(Wallets.balance(f.store, account, Bucket.CREDIT)).isEqualTo(creditBefore);
    assertThat(Wallets.wallet(f.store, account, Bucket.RMB).held()).isZero();
    JsonObject receipt = receipt(response);
    assertThat(receipt.getBoolean("charged")).isTrue();
    assertThat(receipt.getString("bucket")).isEqualTo("RMB");
    assertThat(receipt.getLong("charged_micros")).isEqualTo(cost);
    assertThat(receipt.getLong("cost_micros")).isEqualTo(cost);
    assertThat(receipt.getString("transfer_id")).isEqualTo("charge:" + receipt.getString("id"));
    assertThat(receipt.getLong("balance_before_micros") - receipt.getLong("balance_after_micros")).isEqualTo(cost);
    assertThat(receipt.getLong("price_version")).isPositive();
    assertThat(receipt.getLong("hold_micros")).isGreaterThanOrEqualTo(cost);
    assertThat(receipt.getJsonObject("prices").getLong("input_micros_per_mtok")).isEqualTo(3_000_000L);
    JsonObject usage = receipt.getJsonObject("usage");
    long expected = ceilDiv(usage.getLong("prompt_tokens") * 3_000_000L + usage.getLong("completion_tokens") * 6_000_000L, 1_000_000L);
    assertThat(cost).isEqualTo(expected);
  }

  @Test
  void chargesOnlyTheBackupLegThatServedAtItsOwnPrice() {
    long before = Wallets.balance(f.store, account, Bucket.CREDIT);

    HttpResponse<String> response = f.chat(CHAT, "x-mock", "status=503,when_model=up-a", "x-tollgate-route", "official");

    JsonObject receipt = receipt(response);
    assertThat(receipt.getString("leg")).isEqualTo("backup-1");
    assertThat(receipt.getJsonObject("prices").getLong("input_micros_per_mtok")).isEqualTo(2_000_000L);
    long cost = receipt.getLong("charged_micros");
    assertThat(Wallets.balance(f.store, account, Bucket.CREDIT)).isEqualTo(before - cost);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE request_id = '" + receipt.getString("id") + "'")).isEqualTo(1);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE request_id = '" + receipt.getString("id") + "'")).isEqualTo(2);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE request_id = '" + receipt.getString("id")
        + "' AND status = 'voided' AND resolution = 'failed_attempt'")).isEqualTo(1);
  }

  @Test
  void chargesNothingWhenEveryLegFails() {
    long before = Wallets.balance(f.store, account, Bucket.RMB);

    HttpResponse<String> response = f.chat(CHAT, "x-mock", "status=500");

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(Wallets.balance(f.store, account, Bucket.RMB)).isEqualTo(before);
    assertThat(Wallets.wallet(f.store, account, Bucket.RMB).held()).isZero();
    assertThat(receipt(response).getBoolean("charged")).isFalse();
  }

  @Test
  void chargesAStreamByItsUsageAndOnlyWhatWasGeneratedWhenItBreaks() {
    long before = Wallets.balance(f.store, account, Bucket.RMB);
    HttpResponse<String> whole = f.chat("{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "x-mock", "tokens=40");
    JsonObject full = receipt(whole);
    HttpResponse<String> broken = f.chat("{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "x-mock", "tokens=40,drop_after=5");
    JsonObject partial = receipt(broken);

    assertThat(full.getJsonObject("usage").getLong("completion_tokens")).isEqualTo(40L);
    assertThat(full.getJsonObject("usage").getString("source")).isEqualTo("measured");
    assertThat(partial.getJsonObject("usage").getString("source")).isEqualTo("estimated");
    assertThat(partial.getJsonObject("usage").getLong("completion_tokens")).isLessThan(40L).isPositive();
    assertThat(partial.getLong("charged_micros")).isLessThan(full.getLong("charged_micros"));
    assertThat(Wallets.balance(f.store, account, Bucket.RMB))
        .isEqualTo(before - full.getLong("charged_micros") - partial.getLong("charged_micros"));
  }

  @Test
  void refusesWith402WhenTheBucketCannotCoverTheWorstCaseAndCallsNoUpstream() {
    String poor = newAccountKey("0.000100");

    HttpResponse<String> response = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + poor);

    assertThat(response.statusCode()).isEqualTo(402);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("insufficient_balance");
    assertThat(error.getString("message")).contains("RMB wallet").contains("0.000100 CNY available").contains("may cost up to");
    assertThat(response.headers().firstValue("x-tollgate-balance-bucket")).hasValue("RMB");
    assertThat(response.headers().firstValue("x-tollgate-amount-needed")).isPresent();
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void holdsTheWorstCaseOfPromptAndMaxTokens() {
    String key = newAccountKey("0.000400");
    // routed chat-a: 6.00 per million output tokens, so 50 output tokens alone may cost 300 micros; 1000 may cost 6000
    HttpResponse<String> small = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + key);
    HttpResponse<String> large = f.post("/v1/chat/completions", CHAT.replace("50", "1000"), "authorization", "Bearer " + key);

    assertThat(small.statusCode()).isEqualTo(200);
    assertThat(large.statusCode()).isEqualTo(402);
  }

  @Test
  void neverMixesBucketsImplicitly() {
    String key = newAccountKey("0");
    String id = new JsonObject(f.get("/v1/wallet", "authorization", "Bearer " + key).body()).getString("account_id");
    f.post("/admin/accounts/" + id + "/topups", "{\"bucket\":\"CREDIT\",\"amount\":\"50\",\"idempotency_key\":\"c\"}", f.admin());

    HttpResponse<String> routed = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + key);

    assertThat(routed.statusCode()).isEqualTo(402);
    assertThat(new JsonObject(routed.body()).getJsonObject("error").getString("message")).contains("RMB wallet");
    HttpResponse<String> official = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + key, "x-tollgate-route", "official");
    assertThat(official.statusCode()).isEqualTo(200);
    assertThat(official.headers().firstValue("x-tollgate-bucket")).hasValue("CREDIT");
  }

  @Test
  void recordsANewPriceVersionWhenPricesChange() throws Exception {
    long first = receipt(f.chat(CHAT)).getLong("price_version");
    String original = java.nio.file.Files.readString(f.configFile);
    try {
      java.nio.file.Files.writeString(f.configFile, original.replace("routed: {input: 3.00, output: 6.00}", "routed: {input: 3.50, output: 6.00}"));
      assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(200);
      JsonObject after = receipt(f.chat(CHAT));
      assertThat(after.getLong("price_version")).isGreaterThan(first);
      assertThat(after.getJsonObject("prices").getLong("input_micros_per_mtok")).isEqualTo(3_500_000L);
    } finally {
      java.nio.file.Files.writeString(f.configFile, original);
      f.post("/admin/config/reload", "", f.admin());
    }
    assertThat(receipt(f.chat(CHAT)).getLong("price_version")).isEqualTo(first);
  }

  private static String newAccountKey(String rmb) {
    return Tenant.funded(f, "n", null, rmb.equals("0") ? null : rmb).key();
  }


  @Test
  void holdsAnImageAtItsModelsRuleRatherThanAFlatAllowance() throws IOException {
    BufferedImage image = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(image, "png", png);
    String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    String body = "{\"model\":\"vision\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":["
        + "{\"type\":\"text\",\"text\":\"what is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]}";

    HttpResponse<String> response = f.chat(body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    long hold = receipt(response).getLong("hold_micros");
    // the mini rule bills a 512 x 512 image 2,833 + 5,667 = 8,500 tokens, at 1.00 per million tokens
    assertThat(hold).isGreaterThanOrEqualTo(8_500L);
    // its size was read from the PNG header, not assumed to be the largest (2,833 + 8 x 5,667 tokens)
    assertThat(hold).isLessThan(48_169L);
  }

  private static JsonObject receipt(HttpResponse<String> response) {
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    return new JsonObject(f.get("/admin/receipts/" + id, f.admin()).body());
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }
}

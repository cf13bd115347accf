package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.proxy.FailureMatrixCase.Kind;
import io.tollgate.proxy.FailureMatrixCase.Where;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 5's acceptance: every failure kind the scriptable upstream offers, streamed or not, before the first byte
 * or mid-stream, with a client that stays or hangs up. After each case the receipt says what docs/billing.md
 * says, the wallet dropped by exactly what the receipt charged, no hold is left pending and the ledger verifies.
 */
class FailureMatrixTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    // one fixture for the class: channel fragile's breaker (3 failures) sees at most one failure here
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

  static Stream<FailureMatrixCase> matrix() {
    return FailureMatrixCase.all().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  void receiptAndWalletFollowTheBillingPolicy(FailureMatrixCase c) throws Exception {
    run(c);
  }

  private static void run(FailureMatrixCase c) throws Exception {
    Tenant tenant = Tenant.create(f, "matrix");
    long rmbBefore = Wallets.balance(f.store, tenant.accountId(), Bucket.RMB);
    long creditBefore = Wallets.balance(f.store, tenant.accountId(), Bucket.CREDIT);

    HttpResponse<String> response = c.disconnects() ? null : f.post("/v1/chat/completions", c.body(),
        "authorization", "Bearer " + tenant.key(), "x-mock", c.mockHeader());
    String id = c.disconnects() ? hangUp(c, tenant)
        : response.headers().firstValue("x-tollgate-request-id").orElseThrow();

    JsonObject receipt = FailureMatrixReceipts.await(f, id);
    try {
      if (response != null) {
        assertClientView(c, response, id);
      }
      assertReceipt(c, receipt);
      assertUpstreamCalls(c);
      long dropped = rmbBefore - Wallets.balance(f.store, tenant.accountId(), Bucket.RMB);
      FailureMatrixReceipts.assertMoney(f, c, receipt, dropped);
      assertThat(Wallets.balance(f.store, tenant.accountId(), Bucket.CREDIT)).as("credit, never paying a routed route")
          .isEqualTo(creditBefore);
      assertThat(Wallets.wallet(f.store, tenant.accountId(), Bucket.RMB).held()).as("RMB held after the request").isZero();
      Wallets.assertVerified(f.store, f.clock.millis());
    } catch (AssertionError e) {
      throw new AssertionError(c + ": " + e.getMessage() + "\nreceipt: " + receipt.encodePrettily(), e);
    }
  }

  /** What a client that reads the whole answer saw. */
  private static void assertClientView(FailureMatrixCase c, HttpResponse<String> response, String id) {
    if (!c.served()) {
      int status = c.kind() == Kind.REQUEST_FAULT ? 400 : c.allFailedStatus();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
      JsonObject error = openAiError(new JsonObject(response.body()));
      assertThat(error.getString("message")).as("the error names the receipt").contains(id);
      if (c.where() == Where.EVERY_LEG) {
        assertThat(error.getString("code")).isEqualTo(c.allFailedCode());
      }
      return;
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-leg")).hasValue(c.servingLeg());
    if (!c.stream()) {
      assertThat(new JsonObject(response.body()).getJsonArray("choices")).isNotEmpty();
      return;
    }
    List<String> events = FailureMatrixClient.events(response.body());
    assertThat(events).isNotEmpty();
    if (c.endsWithErrorEvent()) {
      assertThat(response.body()).doesNotContain("[DONE]");
      JsonObject error = openAiError(new JsonObject(events.get(events.size() - 1)));
      assertThat(error.getString("type")).isEqualTo("server_error");
      assertThat(error.getString("message")).contains(id);
      events = events.subList(0, events.size() - 1);
    } else {
      assertThat(response.body()).endsWith("data: [DONE]\n\n");
      events = events.subList(0, events.size() - 1);
    }
    assertThat(events).as("every other event is a chunk").allSatisfy(event ->
        assertThat(new JsonObject(event).getString("object")).isEqualTo("chat.completion.chunk"));
  }

  /** A client that reads the head and the first event, then closes the connection. */
  private static String hangUp(FailureMatrixCase c, Tenant tenant) throws Exception {
    FailureMatrixClient.HungUp seen = FailureMatrixClient.readFirstEventAndHangUp(f.gateway.port(), tenant.key(), c.body(),
        c.mockHeader());
    assertThat(seen.statusLine()).startsWith("HTTP/1.1 200");
    assertThat(new JsonObject(seen.firstEvent()).getString("object")).isEqualTo("chat.completion.chunk");
    assertThat(seen.requestId()).isNotNull();
    return seen.requestId();
  }

  private static void assertReceipt(FailureMatrixCase c, JsonObject receipt) {
    assertThat(receipt.getString("outcome")).isEqualTo(c.receiptOutcome());
    JsonArray attempts = receipt.getJsonArray("attempts");
    assertThat(attempts.stream().map(a -> ((JsonObject) a).getString("leg") + " " + ((JsonObject) a).getString("outcome")))
        .as("attempts").containsExactlyElementsOf(c.attempts());
    JsonObject failed = attempts.getJsonObject(0);
    if (c.where() == Where.MID_STREAM && !c.disconnects()) {
      assertThat(failed.getInteger("status")).isEqualTo(200);
    } else if (c.kind().status != null && c.where() != Where.MID_STREAM) {
      assertThat(failed.getInteger("status")).isEqualTo(c.kind().status);
    }
    assertThat(receipt.getString("leg")).isEqualTo(c.servingLeg());
    assertThat(receipt.getBoolean("fallback")).isEqualTo(c.fallsBack());
    if (c.fallsBack()) {
      assertThat(receipt.getString("fallback_reason")).startsWith("primary " + c.failureOutcome());
    }
    if (c.where() == Where.MID_STREAM && !c.disconnects()) {
      assertThat(receipt.getString("error_code")).isEqualTo(c.failureOutcome());
    } else if (c.where() == Where.EVERY_LEG) {
      assertThat(receipt.getString("error_code")).isEqualTo(c.allFailedCode());
    } else if (c.receiptOutcome().equals("succeeded")) {
      assertThat(receipt.getString("error_code")).isNull();
    }
    if (c.served()) {
      assertUsage(c, receipt.getJsonObject("usage"));
    }
  }

  private static void assertUsage(FailureMatrixCase c, JsonObject usage) {
    assertThat(usage).as("usage").isNotNull();
    assertThat(usage.getString("source")).isEqualTo(c.usageSource());
    assertThat(usage.getLong("prompt_tokens")).isPositive();
    long completion = usage.getLong("completion_tokens");
    if (c.usageSource().equals("measured")) {
      assertThat(completion).isEqualTo(c.tokens());
    } else if (c.disconnects() || c.where() == Where.MID_STREAM) {
      assertThat(completion).as("only what was generated").isLessThan(c.tokens());
    } else {
      assertThat(completion).as("counted by the gateway").isPositive();
    }
  }

  private static void assertUpstreamCalls(FailureMatrixCase c) {
    assertThat(f.upstream.requestCount(c.primaryUpstream())).as("primary calls").isEqualTo(1);
    assertThat(f.upstream.requestCount(c.backupUpstream())).as("backup calls").isEqualTo(c.fallsBack() ? 1 : 0);
  }

  /** The OpenAI error object of {@code body}, checked for its shape. */
  private static JsonObject openAiError(JsonObject body) {
    JsonObject error = body.getJsonObject("error");
    assertThat(error).as("OpenAI error").isNotNull();
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("message")).isNotBlank();
    return error;
  }
}

package io.tollgate.quote;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The quote and the request are one decision: over random requests (either output field or both, {@code n}, tools,
 * images, both route types) from wallets and limits at their edge (the worst case plus or minus a micro-unit), a
 * quote's {@code would_be_admitted}, {@code admitted_leg}, {@code hold_micros} and refusal are what the same request
 * meets right after it, against a real gateway: its status, its receipt's leg and hold.
 */
class QuoteMatchesRequestTest {
  static Path dir;
  static GatewayFixture f;
  private static int tenants;

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("quote-matches-request");
    f = GatewayFixture.start(dir);
  }

  @AfterContainer
  static void stop() throws Exception {
    f.close();
  }

  /** One request and the edges it meets. */
  record Case(String route, String model, Integer maxTokens, Integer maxCompletionTokens, int n, boolean tools, boolean image,
      int words, long balanceDelta, Long limitDelta, String limitMetric) {}

  @Property(tries = 70, seed = "160160160")
  void theQuoteIsWhatTheRequestMeets(@ForAll("cases") Case c) {
    String body = body(c);
    Tenant t = Tenant.funded(f, "edge-" + (++tenants), null, null);
    // the worst case of the primary, from a quote before any money or limit is in place
    JsonObject probe = quote(t, c, body);
    long worst = probe.getJsonArray("legs").getJsonObject(0).getLong("max_cost_micros");
    String bucket = probe.getJsonArray("legs").getJsonObject(0).getString("bucket");
    long funds = Math.max(1, worst + c.balanceDelta());
    assertThat(f.post("/admin/accounts/" + t.accountId() + "/topups", "{\"bucket\":\"" + bucket + "\",\"amount_micros\":" + funds
        + ",\"idempotency_key\":\"edge\"}", f.admin()).statusCode()).isEqualTo(201);
    if (c.limitDelta() != null) {
      long cap = switch (c.limitMetric()) {
        case "spend" -> Math.max(1, worst + c.limitDelta());
        case "requests" -> 1;
        default -> Math.max(1, probeTokens(probe) + c.limitDelta());
      };
      String limit = "{\"metric\":\"" + c.limitMetric() + "\",\"window\":\"day\",\"" + (c.limitMetric().equals("spend")
          ? "cap_micros" : "cap") + "\":" + cap
          + (c.limitMetric().equals("spend") ? ",\"bucket\":\"" + bucket + "\"" : "") + "}";
      HttpResponse<String> set = f.post("/v1/limits", limit, t.bearer());
      assertThat(set.statusCode()).as(set.body()).isIn(200, 201);
    }

    JsonObject quote = quote(t, c, body);
    HttpResponse<String> response = f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(),
        "x-tollgate-route", c.route(), "x-mock", "tokens=3");

    boolean admitted = quote.getBoolean("would_be_admitted");
    Statistics.label("balance delta").collect(c.balanceDelta(), admitted ? "admitted" : quote.getJsonObject("refusal").getString("code"));
    Statistics.label("outcome").collect(admitted ? "admitted " + quote.getString("admitted_leg")
        : quote.getJsonObject("refusal").getString("code"));
    if (admitted) {
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonObject receipt = t.receipt(f, response);
      assertThat(receipt.getString("leg")).isEqualTo(quote.getString("admitted_leg"));
      assertThat(receipt.getLong("hold_micros")).as("the quote's hold is the request's")
          .isEqualTo(quote.getJsonObject("cost").getLong("hold_micros"));
    } else {
      JsonObject refusal = quote.getJsonObject("refusal");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(refusal.getInteger("status"));
      assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo(refusal.getString("code"));
    }
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  /** What a token limit reserves for the request: the quote's prompt with margin plus its output allowance. */
  private static long probeTokens(JsonObject quote) {
    long prompt = quote.getJsonObject("tokens").getLong("prompt");
    return prompt + prompt / 10 + 16 + quote.getJsonObject("tokens").getLong("max_output");
  }

  private static JsonObject quote(Tenant t, Case c, String body) {
    HttpResponse<String> response = f.post("/v1/quote", body, "authorization", "Bearer " + t.key(), "x-tollgate-route", c.route());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static String body(Case c) {
    JsonObject body = new JsonObject().put("model", c.model());
    if (c.maxTokens() != null) {
      body.put("max_tokens", c.maxTokens());
    }
    if (c.maxCompletionTokens() != null) {
      body.put("max_completion_tokens", c.maxCompletionTokens());
    }
    if (c.n() > 1) {
      body.put("n", c.n());
    }
    String text = "word ".repeat(c.words());
    JsonObject user = new JsonObject().put("role", "user");
    if (c.image()) {
      user.put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text))
          .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://example.com/cat.png"))));
    } else {
      user.put("content", text);
    }
    body.put("messages", new JsonArray().add(user));
    if (c.tools()) {
      body.put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function",
          new JsonObject().put("name", "lookup").put("description", "looks a word up")
              .put("parameters", new JsonObject().put("type", "object").put("properties", new JsonObject())))));
    }
    return body.encode();
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<String> route = Arbitraries.of("official", "routed");
    Arbitrary<Integer> maxTokens = Arbitraries.integers().between(1, 4096).injectNull(0.4);
    Arbitrary<Integer> maxCompletion = Arbitraries.integers().between(1, 4096).injectNull(0.6);
    Arbitrary<Integer> n = Arbitraries.of(1, 1, 2, 3);
    Arbitrary<Boolean> flag = Arbitraries.of(true, false);
    Arbitrary<Integer> words = Arbitraries.integers().between(1, 200);
    // jqwik favours a list's first value: frequencies keep each edge about as likely as the text says
    Arbitrary<Long> delta = Arbitraries.frequency(Tuple.of(2, -1L), Tuple.of(2, 0L), Tuple.of(2, 1L), Tuple.of(3, 1_000_000_000L),
        Tuple.of(1, -1_000L));
    Arbitrary<Long> limitDelta = Arbitraries.frequency(Tuple.of(1, -1L), Tuple.of(1, 0L), Tuple.of(1, 1L)).injectNull(0.5);
    Arbitrary<String> metric = Arbitraries.of("spend", "tokens", "requests");
    Arbitrary<Case> request = Combinators.combine(route, maxTokens, maxCompletion, n, flag, flag, words, delta)
        .as((r, mt, mct, choices, tools, image, w, d) -> new Case(r, "chat-a", mt, mct, choices, tools, image, w, d, null, null));
    return Combinators.combine(request, limitDelta, metric)
        .as((c, ld, m) -> new Case(c.route(), c.model(), c.maxTokens(), c.maxCompletionTokens(), c.n(), c.tools(), c.image(),
            c.words(), c.balanceDelta(), ld, m));
  }
}

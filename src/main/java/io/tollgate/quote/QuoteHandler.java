package io.tollgate.quote;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.health.HealthRegistry;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Json;
import io.tollgate.limits.Limits;
import io.tollgate.pricing.OutputStats;
import io.tollgate.pricing.Overruns;
import io.tollgate.proxy.RequestValidator;
import io.tollgate.routing.RoutePlan;
import io.tollgate.routing.RoutePlanner;
import io.tollgate.ledger.Accountant;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.tollgate.http.ApiException;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code POST /v1/quote}, and the same preview for {@code x-tollgate-dry-run: true} on a chat completion:
 * nothing is written and no upstream is called.
 */
public final class QuoteHandler {
  private final Vertx vertx;
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final Quoter quoter;
  private final Overruns overruns;

  public QuoteHandler(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, Accountant accountant, Limits limits,
      HealthRegistry health, OutputStats outputs, Overruns overruns) {
    this.overruns = overruns;
    this.vertx = vertx;
    this.config = config;
    this.auth = auth;
    this.quoter = new Quoter(accountant, limits, health, outputs);
  }

  public void quote(RoutingContext ctx) {
    quote(ctx, null);
  }

  /** @param embeddingsEndpoint for a dry run, whether it came to the embeddings endpoint; null for {@code /v1/quote} */
  private void quote(RoutingContext ctx, Boolean embeddingsEndpoint) {
    GatewayConfig current = config.current();
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> vertx.executeBlocking(() -> Json.write(preview(current, key,
            RequestValidator.parse(ctx.body().buffer()), ctx.request().getHeader("x-tollgate-route"), embeddingsEndpoint)), false))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  /**
   * The quote of one request body, as {@code POST /v1/quote} answers it: for callers that quote several requests
   * (a research run's sections). Tokenizes the body: call it on a worker, never an event loop.
   *
   * @param routeHeader what {@code x-tollgate-route} would say, or null for the key's preference
   */
  public Map<String, Object> preview(GatewayConfig current, ApiKey key, JsonObject body, String routeHeader) {
    return preview(current, key, body, routeHeader, null);
  }

  private Map<String, Object> preview(GatewayConfig current, ApiKey key, JsonObject body, String routeHeader,
      Boolean embeddingsEndpoint) {
    String model = RequestValidator.model(body);
    // a dry run is judged as its endpoint would judge the request (a chat model on /v1/embeddings is refused there)
    boolean embeddings = embeddingsEndpoint != null ? embeddingsEndpoint
        : current.model(model) != null && current.model(model).embeddings();
    RoutePlan plan = RoutePlanner.plan(current, key.scope(), model, routeHeader, embeddings);
    // sized by the request path's own function, with what its holds have learnt
    QuoteRequest request = QuoteRequest.of(body, plan.model(), overruns.of(plan.model().id(), plan.route().type()));
    return quoter.quote(current, key, plan, request);
  }

  /**
   * Answers a chat completion or an embeddings request carrying {@code x-tollgate-dry-run: true} with its quote
   * instead of running it. Any other value than {@code true} or {@code false} is refused: a client that meant a dry
   * run ({@code 1}, {@code yes}) must not be charged for a real one.
   */
  public void dryRun(RoutingContext ctx) {
    java.util.List<String> values = ctx.request().headers().getAll(DRY_RUN);
    String value = values.isEmpty() ? null : values.get(0);
    if (values.stream().map(v -> v.toLowerCase(java.util.Locale.ROOT)).distinct().count() > 1) {
      ctx.fail(ApiException.invalid(DRY_RUN, "invalid_value",
          "The x-tollgate-dry-run header was sent more than once with different values; nothing was run or charged."));
    } else if (value == null || value.equalsIgnoreCase("false")) {
      ctx.next();
    } else if (value.equalsIgnoreCase("true")) {
      ctx.response().putHeader(DRY_RUN, "true");
      quote(ctx, ctx.request().path().endsWith("/embeddings"));
    } else {
      ctx.fail(ApiException.invalid(DRY_RUN, "invalid_value",
          "The x-tollgate-dry-run header must be true or false; nothing was run or charged."));
    }
  }

  /** Refuses a dry run where none is offered ({@code /v1/messages}): running the request instead would charge it. */
  public static void noDryRun(RoutingContext ctx) {
    String value = ctx.request().getHeader(DRY_RUN);
    if (value == null || value.equalsIgnoreCase("false")) {
      ctx.next();
    } else {
      ctx.fail(ApiException.invalid(DRY_RUN, "unsupported_parameter",
          "This endpoint has no dry run: quote the request with POST /v1/quote instead; nothing was run or charged."));
    }
  }

  static final String DRY_RUN = "x-tollgate-dry-run";
}

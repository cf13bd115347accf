package io.tollgate.research;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.ResearchMode;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
import io.tollgate.json.Json;
import io.tollgate.ledger.Accountant;
import io.tollgate.limits.Limits;
import io.tollgate.quote.QuoteHandler;
import io.tollgate.research.data.MarketDataException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;

/**
 * The researcher's HTTP surface: quotes, runs (started from a quote, under an envelope of the run scope), their
 * progress as server-sent events, cancellation and reports.
 */
public final class ResearchApi {
  private final Vertx vertx;
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final ResearchQuoter quoter;
  private final ResearchQuotes quotes;
  private final MarketDataSources data;
  private final ResearchRuns runs;

  /** @param port the gateway's own port: each section is a loopback request on the normal path */
  public ResearchApi(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, QuoteHandler quoteHandler,
      Accountant accountant, Limits limits, Clock clock, int port) {
    this.vertx = vertx;
    this.config = config;
    this.auth = auth;
    this.quoter = new ResearchQuoter(quoteHandler, accountant, clock);
    this.quotes = new ResearchQuotes(clock);
    this.data = new MarketDataSources(vertx, clock);
    this.runs = new ResearchRuns(vertx, config, auth, quotes, limits, clock, port);
  }

  public void mount(Router router) {
    router.post("/v1/research/quote").handler(this::quote);
    runs.mount(router);
  }

  private void quote(RoutingContext ctx) {
    GatewayConfig current = config.current();
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> {
          if (!current.research().enabled()) {
            throw ApiException.notFound("research_not_configured", null,
                "The AI Researcher is not configured on this gateway (no research: section in its configuration).");
          }
          JsonBody body = JsonBody.read(ctx);
          String symbol = body.text("symbol", "a ticker symbol such as ACME");
          String modeName = body.optionalText("mode", "one of " + current.research().modes().keySet());
          ResearchMode mode = current.research().mode(modeName == null ? "quick" : modeName);
          if (mode == null) {
            throw ApiException.invalid("mode", "invalid_value", "'mode': '" + modeName + "' (expected: one of "
                + current.research().modes().keySet() + ")");
          }
          return data.of(current.research().data()).fetch(symbol)
              .recover(e -> Future.failedFuture(e instanceof MarketDataException
                  ? ApiException.invalid("symbol", "market_data_unavailable", e.getMessage()) : e))
              .compose(fetched -> vertx.executeBlocking(() -> quoter.quote(current, key, mode, fetched.bars(), fetched.fromCache()), false));
        })
        .onSuccess(q -> {
          quotes.put(q);
          ctx.response().putHeader("content-type", "application/json").end(Json.write(q.answer()));
        })
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }
}

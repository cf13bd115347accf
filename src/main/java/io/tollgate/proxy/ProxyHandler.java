package io.tollgate.proxy;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.Channel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Ids;
import io.tollgate.receipts.Attempt;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.routing.RoutePlanner;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}: authenticate, validate, plan the route,
 * walk its legs with fallback, relay the answer and record the receipt before the response ends.
 */
public final class ProxyHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);

  private final Vertx vertx;
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final StoreAccess store;
  private final Clock clock;
  private final UpstreamClient upstream;

  public ProxyHandler(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, StoreAccess store, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.auth = auth;
    this.store = store;
    this.clock = clock;
    this.upstream = new UpstreamClient(vertx);
  }

  public void chat(RoutingContext ctx) {
    handle(ctx, "chat.completions", "/chat/completions");
  }

  public void embeddings(RoutingContext ctx) {
    handle(ctx, "embeddings", "/embeddings");
  }

  private void handle(RoutingContext ctx, String endpoint, String path) {
    long now = clock.millis();
    Call call = new Call(Ids.next("req", now), now, endpoint, config.current());
    ctx.response().putHeader(ReceiptHeaders.REQUEST_ID, call.id);
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> {
          call.key = key;
          prepare(ctx, call);
          return runLeg(ctx, call, path, 0);
        })
        .onFailure(failure -> fail(ctx, call, failure));
  }

  private static void prepare(RoutingContext ctx, Call call) {
    boolean embeddings = call.endpoint.equals("embeddings");
    call.body = RequestValidator.parse(ctx.body().buffer());
    call.model = RequestValidator.model(call.body);
    call.plan = RoutePlanner.plan(call.config, call.key.scope(), call.model,
        ctx.request().getHeader("x-tollgate-route"), embeddings);
    if (embeddings) {
      RequestValidator.embeddings(call.body);
    } else {
      RequestValidator.chat(call.body, call.plan.model());
      call.stream = Boolean.TRUE.equals(call.body.getValue("stream"));
      JsonObject options = call.body.getJsonObject("stream_options");
      call.clientWantsUsage = options != null && Boolean.TRUE.equals(options.getValue("include_usage"));
    }
  }

  private Future<Void> runLeg(RoutingContext ctx, Call call, String path, int index) {
    Route route = call.plan.route();
    if (index >= route.legs().size() || call.attempts.size() >= route.maxAttempts()) {
      return Future.failedFuture(allFailed(call));
    }
    Leg leg = route.legs().get(index);
    Channel channel = call.config.channel(leg.channelId());
    long startedAt = clock.millis();
    return upstream.send(channel, path, upstreamBody(call, leg), ctx.request().headers(), startedAt)
        .compose(exchange -> answer(ctx, call, index, channel, exchange))
        .recover(failure -> {
          if (!(failure instanceof AttemptFailure attempt)) {
            return Future.failedFuture(failure);
          }
          call.attempts.add(attemptRecord(index, leg, attempt.outcome(), attempt.status(), attempt.getMessage(), startedAt));
          if (attempt.isRetryable() && !ctx.response().headWritten()) {
            return runLeg(ctx, call, path, index + 1);
          }
          return Future.failedFuture(attempt);
        });
  }

  private Future<Void> answer(RoutingContext ctx, Call call, int index, Channel channel, UpstreamClient.Exchange exchange) {
    int status = exchange.response().statusCode();
    if (status < 200 || status >= 300) {
      return BodyReader.read(vertx, exchange.response(), channel.timeouts(), exchange.startedAtMs(), clock.millis())
          .recover(e -> Future.succeededFuture(Buffer.buffer()))
          .compose(body -> Future.failedFuture(AttemptFailure.fromStatus(status, body)));
    }
    if (call.stream) {
      return stream(ctx, call, index, channel, exchange);
    }
    return BodyReader.read(vertx, exchange.response(), channel.timeouts(), exchange.startedAtMs(), clock.millis())
        .compose(body -> {
          JsonObject json;
          try {
            json = body.toJsonObject();
          } catch (DecodeException | ClassCastException e) {
            return Future.failedFuture(AttemptFailure.retryable("malformed_response", "the upstream answered with a body that is not JSON"));
          }
          call.legIndex = index;
          var measured = UsageReader.measured(json);
          call.usage = measured != null ? measured : UsageReader.estimated(call.body, UsageReader.completionText(json));
          call.attempts.add(attemptRecord(index, call.leg(), "ok", status, null, exchange.startedAtMs()));
          call.outcome = "succeeded";
          call.httpStatus = 200;
          return recordReceipt(call).map(v -> {
            HttpServerResponse response = ctx.response();
            ReceiptHeaders.route(response, call);
            ReceiptHeaders.cost(response, call);
            response.putHeader("content-type", "application/json").end(body);
            return null;
          });
        });
  }

  private Future<Void> stream(RoutingContext ctx, Call call, int index, Channel channel, UpstreamClient.Exchange exchange) {
    HttpServerResponse response = ctx.response();
    call.legIndex = index;
    SseRelay relay = new SseRelay(vertx, call, exchange, response, channel.timeouts(), () -> {
      ReceiptHeaders.route(response, call);
      response.setStatusCode(200)
          .setChunked(true)
          .putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache");
    });
    return relay.run(clock.millis())
        .recover(failure -> {
          call.legIndex = -1;
          return Future.failedFuture(failure);
        })
        .compose(outcome -> {
          call.attempts.add(attemptRecord(index, call.leg(), outcome, 200,
              outcome.equals("ok") ? null : "the stream ended with " + outcome, exchange.startedAtMs()));
          call.outcome = switch (outcome) {
            case "ok" -> "succeeded";
            case "client_disconnected" -> "client_disconnected";
            default -> "failed";
          };
          call.httpStatus = 200;
          call.errorCode = outcome.equals("ok") ? null : outcome;
          return recordReceipt(call).map(v -> {
            if (!response.ended() && !outcome.equals("client_disconnected")) {
              response.end();
            }
            return null;
          });
        });
  }

  private void fail(RoutingContext ctx, Call call, Throwable failure) {
    HttpServerResponse response = ctx.response();
    ApiException error;
    if (failure instanceof AttemptFailure attempt) {
      error = passThrough(attempt, call);
    } else if (failure instanceof ApiException api) {
      error = api;
    } else {
      LOG.error("request {} failed unexpectedly", call.id, failure);
      error = new ApiException(500, "server_error", "internal_error", null,
          "The gateway hit an internal error; nothing was charged. Receipt: " + call.id);
    }
    call.outcome = call.attempts.isEmpty() ? "rejected" : "failed";
    call.httpStatus = error.status();
    call.errorCode = error.code();
    ApiException rendered = error;
    Future<Void> recorded = call.key == null ? Future.succeededFuture() : recordReceipt(call);
    recorded.onComplete(done -> {
      if (!response.headWritten()) {
        ReceiptHeaders.route(response, call);
      }
      ErrorRenderer.send(response, rendered);
    });
  }

  /** An upstream 4xx caused by the request: the client sees the upstream's own error, with our receipt id. */
  private static ApiException passThrough(AttemptFailure attempt, Call call) {
    int status = attempt.status() == null ? 502 : attempt.status();
    String message = "The upstream refused the request (" + status + ").";
    String type = "invalid_request_error";
    String code = "upstream_" + status;
    String param = null;
    try {
      JsonObject error = attempt.upstreamBody() == null ? null : attempt.upstreamBody().toJsonObject().getJsonObject("error");
      if (error != null) {
        message = error.getString("message", message);
        type = error.getString("type", type);
        code = error.getValue("code") == null ? code : String.valueOf(error.getValue("code"));
        param = error.getString("param");
      }
    } catch (RuntimeException ignored) {
      // not an OpenAI-shaped body: keep our own message
    }
    return new ApiException(status, type, code, param, message + " Receipt: " + call.id);
  }

  private static ApiException allFailed(Call call) {
    boolean allTimeouts = call.attempts.stream().allMatch(a -> a.outcome().startsWith("timeout"));
    boolean allRateLimited = call.attempts.stream().allMatch(a -> a.outcome().equals("http_429"));
    int status = allTimeouts ? 504 : allRateLimited ? 503 : 502;
    String code = allTimeouts ? "upstream_timeout" : allRateLimited ? "upstream_rate_limited" : "upstream_unavailable";
    String detail = call.attempts.stream()
        .map(a -> a.leg() + " " + a.channel() + ": " + a.outcome() + (a.status() == null ? "" : " " + a.status()))
        .collect(Collectors.joining("; "));
    return new ApiException(status, "server_error", code, null, "All " + call.attempts.size()
        + " upstream attempts failed (" + detail + "). Nothing was charged. Receipt: " + call.id);
  }

  private Future<Void> recordReceipt(Call call) {
    var receipt = call.receipt(clock.millis());
    return store.write(c -> {
      ReceiptSql.insert(c, receipt);
      return (Void) null;
    }).recover(e -> {
      LOG.error("could not store receipt {}", call.id, e);
      return Future.succeededFuture();
    });
  }

  private Attempt attemptRecord(int index, Leg leg, String outcome, Integer status, String error, long startedAtMs) {
    return new Attempt(Route.legLabel(index), leg.channelId(), leg.upstreamModel(), leg.bucket().name(),
        outcome, status, error, clock.millis() - startedAtMs);
  }

  private static Buffer upstreamBody(Call call, Leg leg) {
    JsonObject body = call.body.copy().put("model", leg.upstreamModel());
    if (call.stream) {
      JsonObject options = body.getJsonObject("stream_options");
      body.put("stream_options", (options == null ? new JsonObject() : options).put("include_usage", true));
    }
    return body.toBuffer();
  }

  public Future<Void> close() {
    return upstream.close();
  }
}

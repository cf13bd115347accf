package io.tollgate.proxy;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.Channel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Ids;
import io.tollgate.ledger.Billing;
import io.tollgate.health.HealthRegistry;
import io.tollgate.ledger.HoldSql;
import io.tollgate.limits.LimitRefusedException;
import io.tollgate.limits.Limits;
import java.util.List;
import io.tollgate.pricing.Costs;
import io.tollgate.pricing.PriceVersions;
import io.tollgate.receipts.Attempt;
import io.tollgate.routing.RoutePlanner;
import io.tollgate.metrics.GatewayMetrics;
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
 * then for each leg: hold the worst case, call the upstream, and either void the hold and move on, or settle
 * it at the actual cost together with the receipt before the response ends.
 */
public final class ProxyHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyHandler.class);
  /** How long past a channel's total timeout a hold may stay open before the sweeper voids it. */
  static final long HOLD_GRACE_MS = 60_000;

  private final Vertx vertx;
  private final ConfigHolder config;
  private final KeyAuthenticator auth;
  private final Billing billing;
  private final Limits limits;
  private final HealthRegistry health;
  private final io.tollgate.pricing.OutputStats outputStats;
  private final PriceVersions priceVersions;
  private final Clock clock;
  private final UpstreamClient upstream;
  private final Idempotency idempotency;
  private final boolean accounted;
  private final GatewayMetrics metrics;

  public ProxyHandler(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, Billing billing, Limits limits,
      HealthRegistry health, io.tollgate.pricing.OutputStats outputStats, PriceVersions priceVersions, StoreAccess store,
      Clock clock, Accounting accounting, GatewayMetrics metrics) {
    this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
    this.accounted = java.util.Objects.requireNonNull(accounting, "accounting") == Accounting.ON;
    this.outputStats = outputStats;
    this.limits = limits;
    this.health = health;
    this.vertx = vertx;
    this.config = config;
    this.auth = auth;
    this.billing = billing;
    this.priceVersions = priceVersions;
    this.clock = clock;
    this.upstream = new UpstreamClient(vertx, clock);
    this.idempotency = new Idempotency(store, clock);
    // loading the tokenizer's vocabulary takes a second or two: do it now, never on an event loop
    UsageReader.count("warm up");
  }

  public void chat(RoutingContext ctx) {
    handle(ctx, "chat.completions", "/chat/completions");
  }

  public void embeddings(RoutingContext ctx) {
    handle(ctx, "embeddings", "/embeddings");
  }

  private void handle(RoutingContext ctx, String endpoint, String path) {
    long now = clock.millis();
    Call call = new Call(Ids.next("req", now), now, endpoint, config.current(), accounted);
    call.upstreamTime = metrics.upstreamTime(ctx, endpoint, accounted);
    ctx.response().putHeader(ReceiptHeaders.REQUEST_ID, call.id);
    if (!accounted) {
      ctx.response().putHeader(Accounting.OFF_HEADER, "off");
    }
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> {
          call.key = key;
          String idempotencyKey = ctx.request().getHeader("idempotency-key");
          if (idempotencyKey == null) {
            return prepare(ctx, call).compose(v -> runLeg(ctx, call, path, 0));
          }
          if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
            return Future.failedFuture(ApiException.invalid(null, "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 255 characters."));
          }
          String scope = Idempotency.scope(key.id(), idempotencyKey);
          String sha = Idempotency.sha256(ctx.body().buffer());
          return idempotency.claim(scope, sha).compose(earlier -> {
            if (earlier.isPresent()) {
              replay(ctx, earlier.get());
              return Future.succeededFuture();
            }
            call.idempotencyScope = scope;
            call.bodySha256 = sha;
            call.capture = Buffer.buffer();
            return prepare(ctx, call).compose(v -> runLeg(ctx, call, path, 0));
          });
        })
        .onFailure(failure -> fail(ctx, call, failure));
  }

  private static void replay(RoutingContext ctx, Idempotency.Stored stored) {
    HttpServerResponse response = ctx.response();
    stored.headers().forEach(response::putHeader);
    response.putHeader("x-tollgate-idempotent-replay", "true")
        .setStatusCode(stored.status())
        .end(stored.body());
  }

  /** Publishes the captured response of an idempotent request to its duplicates, and stores it for later ones. */
  private void captured(Call call, HttpServerResponse response, int status, Buffer body) {
    if (call.idempotencyScope == null) {
      return;
    }
    java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
    response.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(java.util.Locale.ROOT);
      if (!name.startsWith(":") && !name.equals("content-length") && !name.equals("transfer-encoding")) {
        headers.put(name, h.getValue());
      }
    });
    Idempotency.Stored stored = new Idempotency.Stored(status, headers, body, call.bodySha256);
    idempotency.complete(call.idempotencyScope, stored, !call.attempts.isEmpty())
        .onFailure(e -> LOG.error("could not store the idempotent result of {}", call.id, e));
  }

  /** Bodies above this size are tokenized on a worker: counting them would hold the event loop for too long. */
  static final int INLINE_TOKENIZE_BYTES = 16 * 1024;

  private Future<Void> prepare(RoutingContext ctx, Call call) {
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
    if (!accounted) {
      // the prompt is counted only to size its hold (the upstream still enforces its own context window)
      return Future.succeededFuture();
    }
    call.priceVersion = priceVersions.of(call.config);
    Future<Long> counted = ctx.body().length() <= INLINE_TOKENIZE_BYTES
        ? Future.succeededFuture(ContextWindow.admittedPromptTokens(call.body, call.plan.model()))
        : vertx.executeBlocking(() -> ContextWindow.admittedPromptTokens(call.body, call.plan.model()), false);
    return counted.compose(prompt -> {
      call.promptEstimate = UsageReader.holdPromptTokens(prompt);
      return Future.succeededFuture();
    });
  }

  private Future<Void> runLeg(RoutingContext ctx, Call call, String path, int index) {
    Route route = call.plan.route();
    if (index >= route.legs().size() || call.upstreamAttempts() >= route.maxAttempts()) {
      return Future.failedFuture(call.refusal != null && call.upstreamAttempts() == 0
          ? call.refusal.toApi(call.id) : allFailed(call));
    }
    Leg leg = route.legs().get(index);
    Channel channel = call.config.channel(leg.channelId());
    long requestedAt = clock.millis();
    String skip = FallbackRules.skipReason(call, index);
    if (skip == null && !health.tryAcquire(channel) && FallbackRules.healthyLegAfter(call, index, health)) {
      skip = "skipped_circuit_open";
    }
    if (skip != null) {
      call.attempts.add(attemptRecord(index, leg, skip, null, FallbackRules.describe(skip, channel), requestedAt));
      return runLeg(ctx, call, path, index + 1);
    }
    return hold(call, index, leg, channel)
        .recover(failure -> {
          health.abandoned(channel);
          if (!(failure instanceof LimitRefusedException refused)) {
            return Future.failedFuture(failure);
          }
          // a leg whose limits are exhausted is skipped, never called; the next leg is checked on its own
          if (call.refusal == null) {
            call.refusal = refused.refusal();
          }
          call.attempts.add(attemptRecord(index, leg, "skipped_" + refused.refusal().limit().label() + "_limit", null,
              refused.getMessage(), requestedAt));
          return Future.failedFuture(new SkipLeg());
        })
        .compose(ticket -> {
          call.ticket = ticket;
          call.holdOpen = ticket != null;
          long startedAt = clock.millis();
          call.upstreamTime.started(call.stream);
          return upstream.send(channel, path, upstreamBody(call, leg), ctx.request().headers(), startedAt)
              .compose(exchange -> answer(ctx, call, index, channel, exchange))
              .recover(failure -> {
                call.upstreamTime.ended();
                if (!(failure instanceof AttemptFailure attempt)) {
                  health.abandoned(channel);
                  return Future.failedFuture(failure);
                }
                long latency = clock.millis() - startedAt;
                if (attempt.failureClass() == null) {
                  health.success(channel, latency);
                } else {
                  health.failure(channel, latency, attempt.outcome(), attempt.getMessage());
                }
                if (attempt.retryAfterSeconds() > 0) {
                  health.retryAfter(channel, attempt.retryAfterSeconds());
                }
                call.attempts.add(attemptRecord(index, leg, attempt.outcome(), attempt.status(), attempt.getMessage(), startedAt));
                boolean moveOn = FallbackRules.movesOn(route.fallback(), attempt) && !ctx.response().headWritten();
                return voidOpenHold(call, "failed_attempt").compose(v -> moveOn
                    ? runLeg(ctx, call, path, index + 1)
                    : Future.failedFuture(attempt));
              });
        }, failure -> failure instanceof SkipLeg ? runLeg(ctx, call, path, index + 1) : Future.failedFuture(failure));
  }

  /** Holds the worst case of an attempt on {@code leg} and on its limits; a null ticket when accounting is off. */
  private Future<Billing.Ticket> hold(Call call, int index, Leg leg, Channel channel) {
    if (!accounted) {
      return Future.succeededFuture(null);
    }
    Route route = call.plan.route();
    long maxOutput = maxOutputTokens(call);
    long worstCase = Costs.worstCaseMicros(leg.price(), call.promptEstimate, maxOutput, call.config.multipliers(), route.type());
    List<Limits.Planned> planned = limits.plan(call.config, new Limits.Usage(call.key.accountId(), call.key.projectId(),
        call.key.id(), call.model, route.type(), leg.channelId(), leg.bucket(), worstCase, call.promptEstimate + maxOutput));
    return billing.hold(call.holdContext(index, leg), leg.bucket(), worstCase, channel.timeouts().totalMs() + HOLD_GRACE_MS, planned);
  }

  /** Marks a leg skipped by its limits: the walk moves on to the next leg. */
  private static final class SkipLeg extends RuntimeException {
    SkipLeg() {
      super(null, null, false, false);
    }
  }

  /** The most output one attempt may produce: the request's cap (or the model's) for each of its n choices. */
  private static long maxOutputTokens(Call call) {
    if (call.endpoint.equals("embeddings")) {
      return 0;
    }
    // both fields go upstream and a provider may honour either: hold for the larger
    Object a = call.body.getValue("max_completion_tokens");
    Object b = call.body.getValue("max_tokens");
    long perChoice = a instanceof Number || b instanceof Number
        ? Math.max(a instanceof Number x ? x.longValue() : 0, b instanceof Number y ? y.longValue() : 0)
        : call.plan.model().maxOutputTokens();
    Object n = call.body.getValue("n");
    return perChoice * (n instanceof Number choices ? Math.max(1, choices.longValue()) : 1);
  }

  private Future<Void> answer(RoutingContext ctx, Call call, int index, Channel channel, UpstreamClient.Exchange exchange) {
    int status = exchange.response().statusCode();
    if (status < 200 || status >= 300) {
      return readAnswer(call, channel, exchange)
          .recover(e -> Future.succeededFuture(Buffer.buffer()))
          .compose(body -> Future.failedFuture(AttemptFailure.fromStatus(status, body)
              .retryAfter(exchange.response().getHeader("retry-after"))));
    }
    if (call.stream) {
      return stream(ctx, call, index, channel, exchange);
    }
    return readAnswer(call, channel, exchange)
        .compose(body -> {
          JsonObject json;
          try {
            json = body.toJsonObject();
          } catch (DecodeException | ClassCastException e) {
            return Future.failedFuture(AttemptFailure.retryable("malformed_response", "the upstream answered with a body that is not JSON"));
          }
          String missing = call.endpoint.equals("embeddings") ? "data" : "choices";
          if (json.getValue("error") != null || !(json.getValue(missing) instanceof io.vertx.core.json.JsonArray)) {
            // a relay failing inside a 200: no answer was produced, so this is a failed attempt like any malformed one
            return Future.failedFuture(AttemptFailure.retryable("malformed_response",
                "the upstream answered 200 without " + missing + (json.getValue("error") != null ? ", with an error body" : "")));
          }
          call.legIndex = index;
          health.success(channel, exchange.headAtMs() - exchange.startedAtMs());
          if (accounted) {
            var measured = UsageReader.measured(json);
            call.usage = measured != null ? measured : UsageReader.estimated(call.body, UsageReader.completionText(json));
          }
          call.attempts.add(attemptRecord(index, call.leg(), "ok", status, null, exchange.startedAtMs()));
          call.outcome = "succeeded";
          call.httpStatus = 200;
          HttpServerResponse response = ctx.response();
          return settle(call, response).map(posted -> {
            ReceiptHeaders.route(response, call);
            if (accounted) {
              ReceiptHeaders.cost(response, posted);
            }
            response.putHeader("content-type", "application/json").end(body);
            captured(call, response, 200, body);
            return null;
          });
        });
  }

  /** Reads the upstream's whole answer; the attempt's upstream time ends with it. */
  private Future<Buffer> readAnswer(Call call, Channel channel, UpstreamClient.Exchange exchange) {
    return BodyReader.read(vertx, exchange.response(), channel.timeouts(), exchange.startedAtMs(), clock.millis())
        .andThen(read -> call.upstreamTime.ended());
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
        .andThen(relayed -> call.upstreamTime.ended())
        .recover(failure -> {
          call.legIndex = -1;
          call.usage = null;
          return Future.failedFuture(failure);
        })
        .compose(outcome -> {
          switch (outcome) {
            case "ok" -> health.success(channel, exchange.headAtMs() - exchange.startedAtMs());
            case "client_disconnected" -> health.abandoned(channel);
            default -> health.failure(channel, clock.millis() - exchange.startedAtMs(), outcome, "the stream ended with " + outcome);
          }
          call.attempts.add(attemptRecord(index, call.leg(), outcome, 200,
              outcome.equals("ok") ? null : "the stream ended with " + outcome, exchange.startedAtMs()));
          call.outcome = switch (outcome) {
            case "ok" -> "succeeded";
            case "client_disconnected" -> "client_disconnected";
            default -> "failed";
          };
          call.httpStatus = 200;
          call.errorCode = outcome.equals("ok") ? null : outcome;
          return settle(call, response).map(posted -> {
            if (!response.ended() && !outcome.equals("client_disconnected")) {
              response.end();
            }
            captured(call, response, 200, call.capture);
            return null;
          });
        });
  }

  /** Posts the open hold at the actual cost and writes the receipt in the same transaction. */
  private Future<HoldSql.Posted> settle(Call call, HttpServerResponse response) {
    if (!accounted) {
      return Future.succeededFuture(null);
    }
    Long cost = call.costMicros();
    if (call.usage != null && "succeeded".equals(call.outcome)) {
      outputStats.record(call.model, call.usage.completionTokens());
    }
    long tokens = call.usage == null ? 0 : call.usage.totalTokens();
    return billing.settle(call.ticket, cost == null ? 0 : cost, tokens, call.id, posted -> call.receipt(clock.millis(), posted))
        .map(settled -> {
          call.holdOpen = false;
          if (settled.tightestLimit() != null && !response.headWritten()) {
            response.putHeader("x-tollgate-limit-scope", settled.tightestLimit()[0]);
            response.putHeader("x-tollgate-limit-remaining", settled.tightestLimit()[1]);
          }
          return settled.posted();
        });
  }

  private Future<Void> voidOpenHold(Call call, String resolution) {
    if (!call.holdOpen) {
      return Future.succeededFuture();
    }
    // cleared only once the void is committed: a failed void is tried again by the request's failure path
    return billing.voidHold(call.ticket, resolution).onSuccess(v -> call.holdOpen = false);
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
    call.outcome = call.upstreamAttempts() == 0 ? "rejected" : "failed";
    call.httpStatus = error.status();
    call.errorCode = error.code();
    call.legIndex = -1;
    ApiException rendered = error;
    Future<Void> recorded = voidOpenHold(call, "failed_request")
        .recover(e -> voidOpenHold(call, "failed_request"))
        .compose(v -> call.key == null || !accounted ? Future.succeededFuture() : billing.record(call.receipt(clock.millis())));
    recorded.onComplete(done -> {
      if (done.failed()) {
        LOG.error("could not record the receipt of request {}", call.id, done.cause());
      }
      boolean fresh = !response.headWritten();
      if (fresh) {
        ReceiptHeaders.route(response, call);
      }
      ErrorRenderer.send(response, rendered);
      if (!(failure instanceof ApiException api && "idempotency_key_reused".equals(api.code()))) {
        // duplicates waiting on this key must be answered even when the stream had already started
        captured(call, response, fresh ? rendered.status() : 502, ErrorRenderer.body(rendered).toBuffer());
      }
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
    return new ApiException(status, type, code, param, message + " Nothing was charged. Receipt: " + call.id);
  }

  private static ApiException allFailed(Call call) {
    List<Attempt> made = call.attempts.stream().filter(a -> !a.outcome().startsWith("skipped_")).toList();
    boolean allTimeouts = !made.isEmpty() && made.stream().allMatch(a -> a.outcome().startsWith("timeout"));
    boolean allRateLimited = !made.isEmpty() && made.stream().allMatch(a -> a.outcome().equals("http_429"));
    int status = allTimeouts ? 504 : allRateLimited ? 503 : 502;
    String code = allTimeouts ? "upstream_timeout" : allRateLimited ? "upstream_rate_limited" : "upstream_unavailable";
    String detail = call.attempts.stream()
        .map(a -> a.leg() + " " + a.channel() + ": " + a.outcome() + (a.status() == null ? "" : " " + a.status()))
        .collect(Collectors.joining("; "));
    return new ApiException(status, "server_error", code, null, "All " + made.size()
        + " upstream attempts failed (" + detail + "). Nothing was charged. Receipt: " + call.id);
  }

  private Attempt attemptRecord(int index, Leg leg, String outcome, Integer status, String error, long startedAtMs) {
    return new Attempt(Route.legLabel(index), leg.channelId(), leg.upstreamModel(), leg.bucket().name(),
        outcome, status, error, clock.millis() - startedAtMs, false);
  }

  private static Buffer upstreamBody(Call call, Leg leg) {
    JsonObject body = call.body.copy().put("model", leg.upstreamModel());
    if (call.stream && call.accounted) {
      JsonObject options = body.getJsonObject("stream_options");
      body.put("stream_options", (options == null ? new JsonObject() : options).put("include_usage", true));
    }
    return body.toBuffer();
  }

  /** Drops idempotent results past their retention; run periodically on the writer. */
  public static int expireIdempotency(java.sql.Connection c, long nowMs) throws java.sql.SQLException {
    return Idempotency.expire(c, nowMs);
  }

  public Future<Void> close() {
    return upstream.close();
  }
}

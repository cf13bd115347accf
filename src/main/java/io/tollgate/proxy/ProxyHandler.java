package io.tollgate.proxy;

import io.tollgate.alerts.BudgetAlerts;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.Channel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.Leg;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.health.HealthRegistry;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Ids;
import io.tollgate.ledger.Billing;
import io.tollgate.ledger.core.Admission;
import io.tollgate.ledger.core.AdmitRequest;
import io.tollgate.ledger.core.BalanceRefused;
import io.tollgate.ledger.core.LegHealth;
import io.tollgate.ledger.core.LegVerdict;
import io.tollgate.ledger.core.LimitRefused;
import io.tollgate.ledger.core.NoLegAvailable;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Refusal;
import io.tollgate.ledger.core.SkipRules;
import io.tollgate.ledger.core.Standing;
import io.tollgate.ledger.core.Verdict;
import io.tollgate.limits.Limits;
import io.tollgate.metrics.GatewayMetrics;
import io.tollgate.pricing.Demand;
import io.tollgate.pricing.OutputStats;
import io.tollgate.pricing.Overruns;
import io.tollgate.pricing.PriceVersions;
import io.tollgate.providers.ClientDialect;
import io.tollgate.providers.anthropic.AnthropicDialect;
import io.tollgate.receipts.Attempt;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
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
  private final OutputStats outputStats;
  private final Overruns overruns;
  private final BudgetAlerts alerts;
  private final PriceVersions priceVersions;
  private final Clock clock;
  private final UpstreamClient upstream;
  private final Idempotency idempotency;
  private final boolean accounted;
  private final GatewayMetrics metrics;
  private final CountTokens countTokens;

  public ProxyHandler(Vertx vertx, ConfigHolder config, KeyAuthenticator auth, Billing billing, Limits limits,
      HealthRegistry health, OutputStats outputStats, Overruns overruns, PriceVersions priceVersions,
      StoreAccess store, Clock clock, Accounting accounting, GatewayMetrics metrics, BudgetAlerts alerts) {
    this.alerts = Objects.requireNonNull(alerts, "alerts");
    this.overruns = Objects.requireNonNull(overruns, "overruns");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.accounted = Objects.requireNonNull(accounting, "accounting") == Accounting.ON;
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
    this.idempotency = new Idempotency(vertx, store, clock);
    this.countTokens = new CountTokens(config, auth);
    // loading the tokenizer's vocabulary takes a second or two: do it now, never on an event loop
    UsageReader.count("warm up");
  }

  public void chat(RoutingContext ctx) {
    handle(ctx, "chat.completions", "/chat/completions", ClientDialect.OPENAI);
  }

  public void embeddings(RoutingContext ctx) {
    handle(ctx, "embeddings", "/embeddings", ClientDialect.OPENAI);
  }

  /** {@code POST /v1/messages}: Anthropic's Messages API, served as a chat completion by the same routes. */
  public void messages(RoutingContext ctx) {
    handle(ctx, "messages", "/chat/completions", AnthropicDialect.INSTANCE);
  }

  /** {@code POST /v1/messages/count_tokens}: the gateway's own count of a Messages prompt; no upstream call, no charge. */
  public void countTokens(RoutingContext ctx) {
    countTokens.handle(ctx);
  }

  private void handle(RoutingContext ctx, String endpoint, String path, ClientDialect dialect) {
    long now = clock.millis();
    Call call = new Call(Ids.next("req", now), now, endpoint, config.current(), accounted);
    call.dialect = dialect;
    call.upstreamTime = metrics.upstreamTime(ctx, endpoint, accounted);
    ctx.response().putHeader(ReceiptHeaders.REQUEST_ID, call.id);
    // noticed from the moment the request is read: a client that leaves before any byte cancels its upstream call
    ctx.response().closeHandler(v -> call.left.tryComplete());
    if (!accounted) {
      ctx.response().putHeader(Accounting.OFF_HEADER, "off");
    }
    auth.authenticate(dialect.credential(ctx.request()::getHeader))
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
          String token = UUID.randomUUID().toString();
          // the claim stands as long as this request can run: under the configuration it arrived with (call.config),
          // which its hold's expiry follows too, however long it waited on another copy's claim and whatever reload
          // came meanwhile
          return idempotency.claim(scope, sha, token, claimTtlMs(call.config)).compose(earlier -> {
            if (earlier.isPresent()) {
              replay(ctx, earlier.get());
              return Future.succeededFuture();
            }
            call.idempotencyScope = scope;
            call.claimToken = token;
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

  /**
   * Answers duplicates waiting on this request's Idempotency-Key with its result, storing it for later ones when
   * {@code persist}. A charged result is stored in its charge's transaction instead (see {@link #settle}).
   */
  private void publish(Call call, Idempotency.Stored stored, boolean persist) {
    if (call.idempotencyScope == null) {
      return;
    }
    idempotency.complete(call.idempotencyScope, stored, persist)
        .onFailure(e -> LOG.error("could not store the idempotent result of {}", call.id, e));
  }

  /** The response's headers as a replay repeats them. */
  private static Map<String, String> replayHeaders(HttpServerResponse response) {
    Map<String, String> headers = new LinkedHashMap<>();
    response.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (!name.startsWith(":") && !name.equals("content-length") && !name.equals("transfer-encoding")) {
        headers.put(name, h.getValue());
      }
    });
    return headers;
  }

  /** Bodies above this size are tokenized on a worker: counting them would hold the event loop for too long. */
  static final int INLINE_TOKENIZE_BYTES = 16 * 1024;

  private Future<Void> prepare(RoutingContext ctx, Call call) {
    boolean embeddings = call.endpoint.equals("embeddings");
    call.run = ctx.request().getHeader("x-tollgate-run");
    JsonObject parsed = RequestValidator.parse(ctx.body().buffer());
    if (call.dialect == AnthropicDialect.INSTANCE) {
      // kept as the client wrote it, for a leg that speaks the client's own protocol (see upstreamBody), with the
      // tokens of what the translation leaves out, which the hold covers; a body carrying what cannot be counted
      // before the call is sent as translated instead
      long uncounted = MessagesPassThrough.uncountedTokens(parsed);
      if (uncounted != MessagesPassThrough.NOT_PASSABLE) {
        call.nativeBody = parsed.copy();
        call.passThroughTokens = uncounted;
      }
    }
    call.body = call.dialect.toChat(parsed);
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
    Future<UsageReader.Prompt> counted = ctx.body().length() <= INLINE_TOKENIZE_BYTES
        ? Future.succeededFuture(ContextWindow.admittedPrompt(call.body, call.plan.model()))
        : vertx.executeBlocking(() -> ContextWindow.admittedPrompt(call.body, call.plan.model()), false);
    return counted.compose(prompt -> {
      call.promptTextTokens = prompt.textTokens();
      // what a passed-through body carries beyond its translation is held too, on every leg (a generous hold on a
      // leg that gets the translation)
      call.demand = Demand.of(call.body, call.plan.model(), Math.addExact(prompt.total(), call.passThroughTokens),
          overruns.of(call.model, call.plan.route().type()));
      // a research run's child carries the run's id: its envelope is one more limit the core reserves on
      call.limits = limits.planner(call.config, new Limits.Subject(call.key.accountId(), call.key.projectId(), call.key.id(),
          call.model, call.plan.route().type()), call.run);
      return Future.succeededFuture();
    });
  }

  private Future<Void> runLeg(RoutingContext ctx, Call call, String path, int fromLeg) {
    Route route = call.plan.route();
    if (call.clientGone()) {
      return Future.failedFuture(new ClientLeft(false));
    }
    if (fromLeg >= route.legs().size() || call.upstreamAttempts() >= route.maxAttempts()) {
      return Future.failedFuture(call.refusal != null && call.upstreamAttempts() == 0
          ? limitError(call, call.refusal) : allFailed(call));
    }
    return admit(call, fromLeg).compose(index -> {
      Leg leg = route.legs().get(index);
      Channel channel = call.config.channel(leg.channelId());
      call.startAttempt();
      long startedAt = clock.millis();
      call.upstreamTime.started(call.stream);
      // provider translation: this leg's channel kind decides the path, the body and how the answer reads back
      call.protocol = io.tollgate.providers.UpstreamProtocol.of(channel.kind());
      String upstreamPath = call.protocol.path(path, leg.upstreamModel(), call.stream);
      return upstream.send(channel, upstreamPath, upstreamBody(call, leg, channel), ctx.request().headers(), startedAt,
              call.left.future())
          .compose(exchange -> answer(ctx, call, index, channel, exchange))
          .recover(failure -> {
            call.upstreamTime.ended();
            if (failure instanceof ClientLeft left) {
              return clientLeft(ctx, call, index, leg, channel, left.reachedUpstream(), startedAt);
            }
            if (call.clientGone() && failure instanceof AttemptFailure) {
              // the upstream refused or broke as the client left: it bills nothing, and no other leg is tried
              return clientLeft(ctx, call, index, leg, channel, false, startedAt);
            }
            if (!(failure instanceof AttemptFailure attempt)) {
              health.abandoned(channel);
              return Future.failedFuture(failure);
            }
            long latency = clock.millis() - startedAt;
            if (attempt.failureClass() == null) {
              health.success(channel, latency);
            } else {
              health.failure(channel, latency, attempt.outcome(), call.redactor().errorText(attempt.getMessage()));
            }
            if (attempt.retryAfterSeconds() > 0) {
              health.retryAfter(channel, attempt.retryAfterSeconds());
            }
            call.attempts.add(attemptRecord(call, index, leg, attempt.outcome(), attempt.status(), attempt.getMessage(), startedAt));
            call.failedLegs.add(new AdmitRequest.FailedLeg(leg.channelId(), leg.upstreamModel()));
            boolean moveOn = FallbackRules.movesOn(route.fallback(), attempt) && !ctx.response().headWritten();
            if (!moveOn) {
              // the request ends here: its hold is voided with its receipt, in one transaction (endUncharged)
              return Future.failedFuture(attempt);
            }
            return voidMovingOn(call).compose(v -> runLeg(ctx, call, path, index + 1));
          });
    });
  }

  /**
   * The leg walk from {@code fromLeg}: the accounting core admits a leg and holds its worst case on the wallet and
   * every limit in one writer task (see {@link Billing#admit}); the legs it skipped are recorded as attempts, and a
   * refusal becomes the request's error. Without accounting only the skip rules and channel health decide.
   */
  private Future<Integer> admit(Call call, int fromLeg) {
    Route route = call.plan.route();
    long requestedAt = clock.millis();
    Probe probe = probe(call.config, route);
    if (!accounted) {
      for (int i = fromLeg; i < route.legs().size(); i++) {
        Verdict skip = SkipRules.reason(route, call.key.scope().allowBucketChange(), call.failedLegs, i);
        if (skip == null && !probe.admits(i) && probe.availableAfter(i, route.legs().size())) {
          skip = Verdict.CIRCUIT_OPEN;
        }
        if (skip == null) {
          probe.releaseAllBut(i);
          return Future.succeededFuture(i);
        }
        skipped(call, i, route.legs().get(i), skip, requestedAt);
      }
      probe.releaseAllBut(-1);
      return Future.failedFuture(call.upstreamAttempts() > 0 ? allFailed(call)
          : Refusals.toApi(new NoLegAvailable(route.model(), route.type().wireName()), route, null, call.id, clock.instant()));
    }
    AdmitRequest request = new AdmitRequest(call.key.accountId(), route, call.key.scope().allowBucketChange(),
        call.config.multipliers(), call.demand, probe, call.limits, fromLeg, call.failedLegs);
    return billing.admit(request, Ids.next("hold", requestedAt), call.id,
            i -> requestedAt + call.config.channel(route.legs().get(i).channelId()).timeouts().totalMs() + HOLD_GRACE_MS,
            i -> call.holdContext(i, route.legs().get(i)))
        .onFailure(e -> probe.releaseAllBut(-1))
        .compose(admitted -> {
          Admission admission = admitted.admission();
          // a leg that took its channel's slot and is not called (refused by a limit or the balance) gives it back
          probe.releaseAllBut(admission.admittedLeg());
          for (LegVerdict v : admission.legs()) {
            if (v.index() < fromLeg || v.verdict() == Verdict.NOT_WALKED || v.verdict() == Verdict.ADMITTED) {
              continue;
            }
            if (v.verdict() == Verdict.LIMIT) {
              // a leg whose limits are exhausted is skipped, never called; the next leg is checked on its own
              call.refusal = call.refusal == null ? v.limitRefusal() : call.refusal;
              alerts.refused(Refusals.limit(v.limitRefusal(), clock.instant()), call.config.alerts());
              call.attempts.add(attemptRecord(call, v.index(), v.leg(), "skipped_" + v.limitRefusal().limit().label() + "_limit",
                  null, v.limitRefusal().limit().label() + " limit reached", requestedAt));
            } else if (v.verdict() == Verdict.BALANCE) {
              // after a failed leg the walk skips a leg the wallet cannot cover and goes on (LegWalk); on the first
              // walk it refuses the request there, and the 402 says so
              if (call.upstreamAttempts() > 0) {
                call.attempts.add(attemptRecord(call, v.index(), v.leg(), "skipped_insufficient_balance", null,
                    "the " + v.leg().bucket() + " wallet cannot cover this leg's worst case", requestedAt));
              }
            } else {
              skipped(call, v.index(), v.leg(), v.verdict(), requestedAt);
            }
          }
          if (!admission.admitted()) {
            Refusal refusal = admission.refusal();
            if (call.upstreamAttempts() > 0) {
              // an earlier leg was called and failed: that is why the request failed, whatever stopped the backups
              // (limits or a wallet that covered the primary: "top up" would be the wrong advice)
              return Future.failedFuture(allFailed(call));
            }
            if (refusal instanceof BalanceRefused) {
              Leg stopped = admission.legs().stream().filter(v -> v.verdict() == Verdict.BALANCE).findFirst()
                  .map(LegVerdict::leg).orElse(null);
              return Future.failedFuture(Refusals.toApi(refusal, route, stopped, call.id, clock.instant()));
            }
            return Future.failedFuture(call.refusal != null ? limitError(call, call.refusal)
                : Refusals.toApi(refusal, route, null, call.id, clock.instant()));
          }
          call.hold = admitted.hold();
          call.planned = admission.admittedVerdict().limits();
          call.holdOpen = true;
          return Future.succeededFuture(admission.admittedLeg());
        });
  }

  private void skipped(Call call, int index, Leg leg, Verdict verdict, long requestedAt) {
    Channel channel = call.config.channel(leg.channelId());
    call.attempts.add(attemptRecord(call, index, leg, verdict.outcome(), null, FallbackRules.describe(verdict.outcome(), channel),
        requestedAt));
  }

  private ApiException limitError(Call call, LimitRefused refused) {
    return Refusals.limit(refused, clock.instant()).toApi(call.id);
  }

  /**
   * Channel health by leg index, as the core's walk asks it: a leg it admits takes the channel's probe slot (a
   * half-open channel lets one request through), and the probe remembers which it took, to give back those of legs
   * that were not called.
   */
  private Probe probe(GatewayConfig config, Route route) {
    return new Probe(config, route);
  }

  private final class Probe implements LegHealth {
    private final GatewayConfig config;
    private final Route route;
    private final java.util.Set<Integer> taken = java.util.concurrent.ConcurrentHashMap.newKeySet();

    Probe(GatewayConfig config, Route route) {
      this.config = config;
      this.route = route;
    }

    @Override
    public boolean admits(int legIndex) {
      boolean admitted = health.tryAcquire(channel(legIndex));
      if (admitted) {
        taken.add(legIndex);
      }
      return admitted;
    }

    @Override
    public boolean available(int legIndex) {
      return health.available(channel(legIndex));
    }

    /** Gives back the slots taken for every leg but {@code called} (-1: for all of them). */
    void releaseAllBut(int called) {
      for (int leg : taken) {
        if (leg != called) {
          health.abandoned(channel(leg));
        }
      }
      taken.clear();
    }

    private Channel channel(int legIndex) {
      return config.channel(route.legs().get(legIndex).channelId());
    }
  }

  /**
   * The client left while leg {@code index} was under way. Its upstream call is already cancelled. When the
   * request had reached the upstream, the upstream read the prompt and bills it: the prompt is charged (by the
   * gateway's own count; no completion reached anyone). Before that, the hold is voided and nothing is charged.
   * No leg is tried after a client left, and nothing is written to it.
   */
  private Future<Void> clientLeft(RoutingContext ctx, Call call, int index, Leg leg, Channel channel, boolean reachedUpstream,
      long startedAt) {
    health.abandoned(channel);
    call.attempts.add(attemptRecord(call, index, leg, "client_disconnected", null, reachedUpstream
        ? "the client closed the connection while the upstream was working; the upstream call was cancelled"
        : "the client closed the connection before the request reached the upstream", startedAt));
    call.markClientLeft();
    Idempotency.Stored abandoned = abandonedResult(call);
    if (!reachedUpstream || !accounted) {
      return endUncharged(call, "client_disconnected", () -> abandoned, false);
    }
    call.legIndex = index;
    call.usage = call.estimated("");
    return settle(call, ctx.response(), posted -> abandoned).map(posted -> {
      publish(call, abandoned, false);
      return null;
    });
  }

  /** The status a receipt records for a request whose client left before any answer (as nginx logs it). */
  static final int CLIENT_CLOSED_REQUEST = 499;

  /** What a retry with the same Idempotency-Key gets after the client left: never a second run, never a second charge. */
  private static Idempotency.Stored abandonedResult(Call call) {
    ApiException error = ApiException.conflict("idempotent_request_abandoned", "The first request with this"
        + " Idempotency-Key was abandoned: the client closed the connection before its answer. What the upstream was"
        + " sent is on its receipt " + call.id + ". Send a new Idempotency-Key to run the request again.");
    return new Idempotency.Stored(error.status(), Map.of(ReceiptHeaders.REQUEST_ID, call.id,
        "content-type", "application/json"), call.dialect.errorBody(error), call.bodySha256);
  }

  private Future<Void> answer(RoutingContext ctx, Call call, int index, Channel channel, UpstreamClient.Exchange exchange) {
    int status = exchange.response().statusCode();
    if (status < 200 || status >= 300) {
      return readAnswer(call, channel, exchange)
          .recover(e -> Future.succeededFuture(Buffer.buffer()))
          .compose(body -> Future.failedFuture(AttemptFailure.fromStatus(status, call.protocol.error(body))
              .retryAfter(exchange.response().getHeader("retry-after"))));
    }
    if (call.stream) {
      return stream(ctx, call, index, channel, exchange);
    }
    // a client leaving now does not cancel the read: a non-streamed answer was generated whole before its head
    // arrived, the upstream bills it, so it is read to its end and charged by its usage
    return readAnswer(call, channel, exchange)
        .compose(read -> {
          JsonObject json;
          Buffer body = read;
          JsonObject passedThrough = null;
          try {
            json = body.toJsonObject();
            if (passesThrough(call)) {
              // the client gets the upstream's own answer (thinking blocks and all); the gateway reads a translation
              passedThrough = json.copy();
            }
            // provider translation: the answer is in the OpenAI shape before anything reads it
            if (call.protocol.translates()) {
              json = call.protocol.answer(json, clock.millis() / 1000);
              body = json.toBuffer();
            }
          } catch (DecodeException | ClassCastException e) {
            return Future.failedFuture(AttemptFailure.retryable("malformed_response", "the upstream answered with a body that is not JSON"));
          } catch (IllegalArgumentException e) {
            return Future.failedFuture(AttemptFailure.retryable("malformed_response",
                "the upstream answered with a body of the wrong shape: " + e.getMessage()));
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
            String completion = UsageReader.completionText(json);
            call.report(ReportedUsage.read(json, call.usageBounds(completion)));
            if (call.usage == null) {
              call.usage = call.estimated(completion);
            }
          }
          if (call.clientGone()) {
            call.attempts.add(attemptRecord(call, index, call.leg(), "client_disconnected", status,
                "the client closed the connection before the answer, which the upstream had already generated", exchange.startedAtMs()));
            call.markClientLeft();
            Idempotency.Stored abandoned = abandonedResult(call);
            return settle(call, ctx.response(), posted -> abandoned).map(posted -> {
              publish(call, abandoned, !accounted);
              return null;
            });
          }
          call.attempts.add(attemptRecord(call, index, call.leg(), "ok", status, null, exchange.startedAtMs()));
          call.outcome = "succeeded";
          call.httpStatus = 200;
          HttpServerResponse response = ctx.response();
          ReceiptHeaders.route(response, call);
          response.putHeader("content-type", "application/json");
          Map<String, String> headers = replayHeaders(response);
          // 'model' is the catalog model the client asked for; the upstream model is in a header and on the receipt.
          // A relay may echo the channel's credential in its answer: it never reaches the client
          boolean renamed = !call.model.equals(json.getValue("model"));
          if (renamed) {
            json.put("model", call.model);
          }
          // scrubbed as a client decodes it: a credential written with JSON escapes is caught too
          boolean scrubbed = call.redactor().scrub(json);
          Buffer delivered;
          if (passedThrough != null) {
            passedThrough.put("model", call.model);
            call.redactor().scrub(passedThrough);
            delivered = passedThrough.toBuffer();
          } else {
            delivered = call.dialect.answer(json, renamed || scrubbed ? json.toBuffer() : body);
          }
          Function<Posting, Idempotency.Stored> result = posted -> {
            Map<String, String> withCost = new LinkedHashMap<>(headers);
            if (accounted) {
              withCost.put(ReceiptHeaders.COST, ReceiptHeaders.costValue(posted));
            }
            return new Idempotency.Stored(200, withCost, delivered, call.bodySha256);
          };
          return settle(call, response, result).map(posted -> {
            if (accounted) {
              ReceiptHeaders.cost(response, posted);
            }
            deliver(call, response, delivered);
            publish(call, result.apply(posted), !accounted);
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
      // the head goes before the answer is settled: the tightest limit as it stands with this request's hold
      if (call.hold != null) {
        Standing tightest = billing.accountant().standing(call.planned);
        if (tightest != null) {
          response.putHeader(ReceiptHeaders.LIMIT_SCOPE, tightest.limit().label());
          response.putHeader(ReceiptHeaders.LIMIT_REMAINING, Long.toString(tightest.remaining()));
        }
      }
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
            // a client too slow to read is no fault of the channel's
            case "client_disconnected", "client_too_slow" -> health.abandoned(channel);
            default -> health.failure(channel, clock.millis() - exchange.startedAtMs(), outcome, "the stream ended with " + outcome);
          }
          call.attempts.add(attemptRecord(call, index, call.leg(), outcome, 200,
              outcome.equals("ok") ? null : "the stream ended with " + outcome, exchange.startedAtMs()));
          call.outcome = switch (outcome) {
            case "ok" -> "succeeded";
            case "client_disconnected" -> "client_disconnected";
            default -> "failed";
          };
          call.httpStatus = 200;
          call.errorCode = outcome.equals("ok") ? null : outcome;
          Function<Posting, Idempotency.Stored> result = posted -> outcome.equals("client_disconnected")
              ? abandonedResult(call) : new Idempotency.Stored(200, replayHeaders(response), call.capture, call.bodySha256);
          return settle(call, response, result).map(posted -> {
            if (!response.ended() && !outcome.equals("client_disconnected")) {
              deliver(call, response, null);
            }
            publish(call, result.apply(posted), !accounted);
            return null;
          });
        });
  }

  /**
   * Posts the open hold at the actual cost and writes, in the same transaction, the receipt and the request's
   * idempotent {@code result}: a retry either finds the result or finds no charge, never a charge without it.
   * Usage beyond the hold is charged, marked on the receipt and learnt from, so later holds on the route cover it.
   */
  private Future<Posting> settle(Call call, HttpServerResponse response,
      Function<Posting, Idempotency.Stored> result) {
    if (!accounted) {
      return Future.succeededFuture(null);
    }
    Long cost = call.costMicros();
    if (call.usage != null) {
      if ("succeeded".equals(call.outcome)) {
        outputStats.record(call.model, call.usage.completionTokens());
      }
      overruns.record(call.model, call.plan.route().type(), call.demand, call.usage);
      if (cost != null && cost > call.hold.amountMicros()) {
        call.excessMicros = cost - call.hold.amountMicros();
        metrics.holdExceeded(call.model, call.plan.route().type().wireName(), call.leg().bucket().name(), call.excessMicros);
        LOG.warn("request {} cost {} micros, {} more than its hold: the upstream {} billed past what was held",
            call.id, cost, call.excessMicros, call.leg() == null ? "" : call.leg().upstreamModel());
      }
    }
    long tokens = call.usage == null ? 0 : call.usage.totalTokens();
    metrics.finished(call.model, call.plan.route().type().wireName(), call.fallback(),
        call.usage == null ? 0 : call.usage.promptTokens(), call.usage == null ? 0 : call.usage.completionTokens());
    String scope = call.idempotencyScope;
    String token = call.claimToken;
    long nowMs = clock.millis();
    Billing.AlsoWrite idempotent = scope == null ? Billing.AlsoWrite.NOTHING
        : (c, posted) -> Idempotency.insert(c, scope, token, result.apply(posted), nowMs);
    return billing.settle(call.hold, call.planned, cost == null ? 0 : cost, tokens, posted -> call.receipt(clock.millis(), posted),
            idempotent)
        .map(settled -> {
          call.holdOpen = false;
          alerts.spent(settled.progress(), call.config.alerts());
          if (settled.tightest() != null && !response.headWritten()) {
            response.putHeader(ReceiptHeaders.LIMIT_SCOPE, settled.tightest().limit().label());
            response.putHeader(ReceiptHeaders.LIMIT_REMAINING, Long.toString(settled.tightest().remaining()));
          }
          return settled.posting();
        });
  }

  /** Voids the hold of a failed attempt the request moves on from, with a provisional receipt (see Billing). */
  private Future<Void> voidMovingOn(Call call) {
    if (!call.holdOpen || call.key == null || !accounted) {
      return voidOpenHold(call, "failed_attempt");
    }
    return billing.voidMovingOn(call.hold, "failed_attempt", call.provisionalReceipt(clock.millis()))
        .onSuccess(v -> call.holdOpen = false);
  }

  /** The gateway's own passing conditions: their answers are never kept as an Idempotency-Key's result. */
  private static final java.util.Set<String> TRANSIENT = java.util.Set.of("gateway_stopping", "accounting_unavailable");

  private Future<Void> voidOpenHold(Call call, String resolution) {
    if (!call.holdOpen) {
      return Future.succeededFuture();
    }
    // cleared only once the void is committed: a failed void is tried again by the request's failure path
    return billing.voidHold(call.hold, resolution).onSuccess(v -> call.holdOpen = false).mapEmpty();
  }

  private void fail(RoutingContext ctx, Call call, Throwable failure) {
    HttpServerResponse response = ctx.response();
    if (failure instanceof ClientLeft) {
      // before any upstream call of this leg: nobody to answer, nothing charged
      call.markClientLeft();
      call.legIndex = -1;
      endUncharged(call, "client_disconnected", () -> abandonedResult(call), false);
      return;
    }
    ApiException error;
    if (failure instanceof AttemptFailure attempt) {
      error = passThrough(attempt, call);
    } else if (failure instanceof ApiException api) {
      error = api;
    } else if (failure instanceof io.tollgate.ledger.core.CountersUnavailable unavailable) {
      error = Refusals.unavailable(unavailable, call.id);
    } else if (call.upstreamAttempts() == 0 && io.tollgate.store.StoreException.unreachable(failure)) {
      // the accounting store is out of reach: nothing could be held, so nothing was sent upstream (fail closed)
      LOG.warn("request {} refused: the accounting store is unreachable ({})", call.id, failure.getMessage());
      error = io.tollgate.http.ErrorRenderer.accountingUnavailable();
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
    // kept for later retries only when an upstream answered it: a refusal before any upstream call (a limit, the
    // balance) must not outlive its cause, nor the gateway's own internal error its fix, nor a stop (even one that
    // came after a failover) the restart
    boolean keep = call.upstreamAttempts() > 0 && rendered.status() != 500 && !TRANSIENT.contains(rendered.code());
    endUncharged(call, failure instanceof AttemptFailure ? "failed_attempt" : "failed_request", () -> {
      boolean fresh = !response.headWritten();
      if (fresh) {
        ReceiptHeaders.route(response, call);
      }
      call.dialect.sendError(response, rendered);
      if (failure instanceof ApiException api && "idempotency_key_reused".equals(api.code())) {
        return null;
      }
      // duplicates waiting on this key must be answered even when the stream had already started
      return new Idempotency.Stored(fresh ? rendered.status() : 502, replayHeaders(response),
          call.dialect.errorBody(rendered), call.bodySha256);
    }, keep);
  }

  /**
   * Writes the end of a settled answer. When the client is already gone, or the write fails, the charge stands
   * (the upstream produced the answer) and the receipt is marked {@code delivery: failed}, for support to find.
   */
  private void deliver(Call call, HttpServerResponse response, Buffer last) {
    Future<Void> written = call.clientGone() ? Future.failedFuture(new ClientLeft(true))
        : last == null ? response.end() : response.end(last);
    written.onFailure(e -> {
      if (accounted) {
        billing.undelivered(call.id).onFailure(f -> LOG.error("could not mark request {} undelivered", call.id, f));
      }
    });
  }

  /**
   * Ends a request that charged nothing: voids its open hold (tried twice), records its receipt, then runs
   * {@code answer} (which writes to the client, if anyone is left to write to) and gives what it returns to the
   * duplicates waiting on the request's Idempotency-Key.
   */
  private Future<Void> endUncharged(Call call, String resolution, Supplier<Idempotency.Stored> answer, boolean persist) {
    if (call.plan != null) {
      metrics.finished(call.model, call.plan.route().type().wireName(), call.fallback(), 0, 0);
    }
    return endWrite(call, resolution)
        .recover(e -> endWrite(call, resolution))
        .transform(done -> {
          if (done.failed()) {
            LOG.error("could not end request {} cleanly", call.id, done.cause());
          }
          Idempotency.Stored result = answer.get();
          if (result != null) {
            publish(call, result, persist);
          }
          return Future.succeededFuture();
        });
  }

  /** Voids the open hold of a request that charged nothing and inserts its receipt, in one transaction. */
  private Future<Void> endWrite(Call call, String resolution) {
    if (call.key == null || !accounted) {
      return voidOpenHold(call, resolution);
    }
    return billing.voidAndRecord(call.holdOpen ? call.hold : null, resolution, call.receipt(clock.millis()))
        .onSuccess(v -> call.holdOpen = false);
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
    var redactor = call.redactor();
    return new ApiException(status, redactor.errorText(type), redactor.errorText(code), redactor.errorText(param),
        redactor.errorText(message) + " Nothing was charged. Receipt: " + call.id);
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

  private Attempt attemptRecord(Call call, int index, Leg leg, String outcome, Integer status, String error, long startedAtMs) {
    Channel channel = call.config.channel(leg.channelId());
    metrics.leg(leg.channelId(), outcome, () -> health.snapshot(channel).get("state"));
    return new Attempt(Route.legLabel(index), leg.channelId(), leg.upstreamModel(), leg.bucket().name(),
        outcome, status, call.redactor().errorText(error), clock.millis() - startedAtMs, false);
  }

  /** Whether the client speaks the leg's own protocol (Messages to an Anthropic leg): its body and answer pass through. */
  private static boolean passesThrough(Call call) {
    return call.nativeBody != null && call.dialect == io.tollgate.providers.anthropic.AnthropicDialect.INSTANCE
        && call.protocol == io.tollgate.providers.anthropic.AnthropicProtocol.INSTANCE;
  }

  private static Buffer upstreamBody(Call call, Leg leg, Channel channel) {
    if (passesThrough(call)) {
      // a Messages request to an Anthropic leg passes through as the client wrote it (cache_control, thinking, top_k,
      // metadata...), its model renamed; max_tokens is required there, and the hold was sized from it
      JsonObject body = call.nativeBody.copy().put("model", leg.upstreamModel());
      if (body.getValue("max_tokens") == null && call.demand != null) {
        body.put("max_tokens", call.demand.outputCapPerChoice());
      }
      return body.toBuffer();
    }
    JsonObject body = call.body.copy().put("model", leg.upstreamModel());
    if (call.demand != null && call.demand.outputCapPerChoice() > 0 && body.getValue("max_tokens") == null
        && body.getValue("max_completion_tokens") == null) {
      // the hold assumed the model's output cap: the upstream is told it, so it cannot write more than was held
      body.put(channel.outputCapField(), call.demand.outputCapPerChoice());
    }
    if (call.stream && call.accounted) {
      JsonObject options = body.getJsonObject("stream_options");
      body.put("stream_options", (options == null ? new JsonObject() : options).put("include_usage", true));
    }
    // provider translation: an Anthropic or Gemini leg gets its own body; max_tokens falls back to the model's cap
    return call.protocol.request(body, call.plan.model().maxOutputTokens()).toBuffer();
  }

  /**
   * How long an Idempotency-Key's claim in a shared database stands: the longest a request can run (every leg of its
   * route to its channel's total timeout) plus the holds' grace, so a live request's claim never expires. From the
   * configuration the request runs under ({@code call.config}), not the one serving at the claim.
   */
  static long claimTtlMs(GatewayConfig current) {
    long longest = 0;
    for (Map<RouteType, Route> byType : current.routes().values()) {
      for (Route route : byType.values()) {
        long total = 0;
        for (Leg leg : route.legs()) {
          total += current.channel(leg.channelId()).timeouts().totalMs();
        }
        longest = Math.max(longest, total);
      }
    }
    return longest + HOLD_GRACE_MS;
  }

  /** Drops, at start-up, the Idempotency-Key claims this node held before it stopped; on the writer. */
  public static int forgetClaims(java.sql.Connection c, long nowMs, String node) throws java.sql.SQLException {
    return IdempotencyClaims.expire(c, nowMs, node);
  }

  /** Drops idempotent results past their retention; run periodically on the writer. */
  public static int expireIdempotency(java.sql.Connection c, long nowMs, boolean shared) throws java.sql.SQLException {
    return Idempotency.expire(c, nowMs, shared);
  }

  public Future<Void> close() {
    return upstream.close();
  }
}

package io.tollgate.proxy;

import io.tollgate.auth.ApiKey;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.core.AdmitRequest;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LimitRefused;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.Posting;
import io.tollgate.pricing.Costs;
import io.tollgate.pricing.Demand;
import io.vertx.core.Promise;
import io.tollgate.receipts.AppliedPrice;
import io.tollgate.receipts.Attempt;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.Usage;
import io.tollgate.routing.RoutePlan;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** The typed state of one request as it moves along the path; becomes its receipt at the end. */
final class Call {
  final String id;
  final long startedAtMs;
  final String endpoint;
  final GatewayConfig config;
  /** False when the gateway runs with accounting off: nothing is counted, held, charged or receipted. */
  final boolean accounted;
  ApiKey key;
  String model;
  JsonObject body;
  boolean stream;
  boolean clientWantsUsage;
  RoutePlan plan;
  final List<Attempt> attempts = new ArrayList<>();
  int legIndex = -1;
  Usage usage;
  String outcome;
  int httpStatus;
  String errorCode;
  /** Time spent on upstreams, for the overhead metric. */
  io.tollgate.metrics.UpstreamTime upstreamTime;
  long priceVersion;
  /** The text part of the prompt as the gateway counted it: half of it is the least a believed usage may report. */
  long promptTextTokens;
  /** The worst case of one attempt in tokens, sized once for every leg and shown by the quote alike. */
  Demand demand;
  /** Why a usage the upstream reported was not believed, for the receipt; null when it was, or when there was none. */
  String usageRejected;
  /** Set when usage cost more than the hold reserved: by how much. */
  Long excessMicros;
  /** Completes when the client's connection closes before its answer was written: every wait is cancelled by it. */
  final Promise<Void> left = Promise.promise();
  /** The hold of the attempt in flight, or of the successful one; null when none was taken. */
  Hold hold;
  /** Which limits apply to an attempt on each leg: what admission reserves on. */
  io.tollgate.ledger.core.LimitPlanner limits;
  /** The limits {@link #hold} reserved on, as admission planned them. */
  List<PlannedLimit> planned = List.of();
  /** Whether {@link #hold} is still pending, so that every exit voids or settles it exactly once. */
  boolean holdOpen;
  /** The legs whose upstream attempts failed: admission skips them, and their number counts against max_attempts. */
  final List<AdmitRequest.FailedLeg> failedLegs = new ArrayList<>();
  /** The first limit that refused a leg, reported when no leg could run. */
  LimitRefused refusal;
  /** Set when the request carries an Idempotency-Key and runs first: where its result is kept for duplicates. */
  String idempotencyScope;
  /** This request's claim on {@link #idempotencyScope} in a shared database: ending the claim ends only this one. */
  String claimToken;
  String bodySha256;
  io.vertx.core.buffer.Buffer capture;
  /** The protocol the client called in: its body, answer, stream and errors are translated at the edges. */
  io.tollgate.providers.ClientDialect dialect = io.tollgate.providers.ClientDialect.OPENAI;
  /** How the leg in flight is spoken: set per leg, before its upstream call (see {@code ProxyHandler.runLeg}). */
  io.tollgate.providers.UpstreamProtocol protocol = io.tollgate.providers.UpstreamProtocol.of(io.tollgate.config.ProviderKind.OPENAI);

  /** The research run this request is a section of, from {@code x-tollgate-run}; null for any other request. */
  String run;
  /** The body as the client wrote it, for a dialect other than OpenAI's: what a leg of the client's protocol is sent. */
  JsonObject nativeBody;
  /** Tokens {@link #nativeBody} carries beyond its translation: the hold's prompt includes them. */
  long passThroughTokens;

  Call(String id, long startedAtMs, String endpoint, GatewayConfig config, boolean accounted) {
    this.id = id;
    this.accounted = accounted;
    this.startedAtMs = startedAtMs;
    this.endpoint = endpoint;
    this.config = config;
  }

  /** Masks the channels' credentials (and, in error text, anything key-shaped) in upstream text. */
  io.tollgate.config.Redactor redactor() {
    return config == null ? io.tollgate.config.Redactor.NONE : config.redactor();
  }

  boolean clientGone() {
    return left.future().isComplete();
  }

  /**
   * The counts an upstream may report for this request and still be believed, given the {@code completion} text
   * it delivered. At most what the model can take and write: its context window (for embeddings, whose window
   * applies per input, the larger of that and the held prompt) and its output cap times {@code n}. At least half
   * of the gateway's own counts of the prompt's text and of the completion: tokenizers differ, but not by half.
   */
  ReportedUsage.Bounds usageBounds(CharSequence completion) {
    long choices = body != null && body.getValue("n") instanceof Number n ? Math.max(1, n.longValue()) : 1;
    var model = plan.model();
    long maxPrompt = model.embeddings() ? Math.max(model.contextWindow(), demand == null ? 0 : demand.holdPromptTokens())
        : model.contextWindow();
    return new ReportedUsage.Bounds(promptTextTokens / 2, maxPrompt, UsageReader.count(completion.toString()) / 2,
        model.maxOutputTokens() * choices, model.embeddings());
  }

  /**
   * Takes a believable usage report, never lowering counts an earlier report of the same attempt gave (a stream may
   * carry usage twice); remembers why an unbelievable one was rejected, for the receipt.
   */
  void report(ReportedUsage reported) {
    Usage believed = reported.usage();
    if (believed == null) {
      if (reported.rejected() != null) {
        usageRejected = reported.rejected();
      }
      return;
    }
    if (usage == null) {
      usage = believed;
      return;
    }
    long prompt = Math.max(usage.promptTokens(), believed.promptTokens());
    long cached = Math.min(Math.max(usage.cachedPromptTokens(), believed.cachedPromptTokens()), prompt);
    // cache reads and writes are both parts of the prompt: together never more than it
    long written = Math.min(Math.max(usage.cacheWritePromptTokens(), believed.cacheWritePromptTokens()), prompt - cached);
    usage = new Usage(prompt, Math.max(usage.completionTokens(), believed.completionTokens()), cached, written, "measured", null);
  }

  /** Forgets what an earlier attempt's upstream reported: each attempt is judged on its own. */
  void startAttempt() {
    usage = null;
    usageRejected = null;
  }

  /** The request ends because its client left. */
  void markClientLeft() {
    outcome = "client_disconnected";
    httpStatus = ProxyHandler.CLIENT_CLOSED_REQUEST;
    errorCode = "client_disconnected";
  }

  /** The gateway's own count, used when the upstream reported no believable usage. */
  Usage estimated(String completion) {
    return new Usage(demand.countedPromptTokens(), UsageReader.count(completion), 0, 0, "estimated", usageRejected);
  }

  Leg leg() {
    return legIndex < 0 ? null : plan.route().legs().get(legIndex);
  }

  Long costMicros() {
    Leg leg = leg();
    if (leg == null || usage == null) {
      return null;
    }
    return Costs.costMicros(leg.price(), usage, config.multipliers(), plan.route().type());
  }

  /** Attempts that called an upstream (legs skipped by their limits are not). */
  long upstreamAttempts() {
    return attempts.stream().filter(a -> !a.outcome().startsWith("skipped_")).count();
  }

  /**
   * Whether a leg other than the primary ran or was attempted. A leg that was skipped (its limits, its circuit,
   * the policy) was not attempted: a skip alone is no fallback, and is on the receipt's attempts instead.
   */
  boolean fallback() {
    return legIndex > 0 || attempts.stream().anyMatch(a -> !a.outcome().startsWith("skipped_") && !"primary".equals(a.leg()));
  }

  String fallbackReason() {
    if (!fallback() || attempts.isEmpty()) {
      return null;
    }
    Attempt first = attempts.get(0);
    return first.leg() + " " + first.outcome() + (first.status() == null ? "" : " (" + first.status() + ")");
  }

  private static Long chargedMicros(Leg leg, Posting posted) {
    if (posted != null) {
      return posted.chargedMicros();
    }
    return leg == null ? null : Long.valueOf(0);
  }

  /** The attempts, the serving one marked charged when money moved for it. */
  private List<Attempt> attemptsWithCharge(Posting posted) {
    List<Attempt> out = new ArrayList<>(attempts);
    if (posted != null && posted.chargedMicros() > 0 && !out.isEmpty()) {
      out.set(out.size() - 1, out.get(out.size() - 1).withCharged(true));
    }
    return List.copyOf(out);
  }

  HoldContext holdContext(int index, Leg leg) {
    return new HoldContext(id, key.accountId(), key.projectId(), key.id(), endpoint, model, plan.route().type().wireName(),
        Route.legLabel(index), leg.channelId(), leg.upstreamModel(), demand.countedPromptTokens(), stream, startedAtMs, run);
  }

  Receipt receipt(long nowMs) {
    return receipt(nowMs, null);
  }

  /**
   * The receipt a request has while it moves on from a failed leg to the next: {@code in_progress}, charging nothing,
   * with the attempts so far. Its final receipt replaces it; when the process dies first, recovery does.
   */
  Receipt provisionalReceipt(long nowMs) {
    return receipt(nowMs, null, Receipt.IN_PROGRESS, 0, null);
  }

  /** The receipt; {@code posted} is the settled hold when this request was charged. */
  Receipt receipt(long nowMs, Posting posted) {
    return receipt(nowMs, posted, outcome, httpStatus, errorCode);
  }

  private Receipt receipt(long nowMs, Posting posted, String outcome, int httpStatus, String errorCode) {
    Leg leg = leg();
    Route route = plan == null ? null : plan.route();
    AppliedPrice prices = leg == null ? null : Costs.applied(leg.price(), config.multipliers(), route.type());
    return new Receipt(
        id,
        startedAtMs,
        key == null ? null : key.accountId(),
        key == null ? null : key.projectId(),
        key == null ? null : key.id(),
        endpoint,
        model,
        route == null ? null : route.type().wireName(),
        stream,
        outcome,
        httpStatus,
        errorCode,
        leg == null ? null : Route.legLabel(legIndex),
        leg == null ? null : leg.channelId(),
        leg == null ? null : leg.upstreamModel(),
        fallback(),
        fallbackReason(),
        attemptsWithCharge(posted),
        usage,
        leg == null ? null : leg.bucket().name(),
        prices,
        leg == null ? null : priceVersion,
        hold == null || leg == null ? null : hold.amountMicros(),
        costMicros(),
        posted != null && posted.chargedMicros() > 0,
        chargedMicros(leg, posted),
        posted == null || posted.uncollectedMicros() == 0 ? null : posted.uncollectedMicros(),
        posted == null ? null : posted.transferId(),
        posted == null ? null : posted.balanceBeforeMicros(),
        posted == null ? null : posted.balanceAfterMicros(),
        nowMs - startedAtMs,
        excessMicros == null ? null : Boolean.TRUE,
        excessMicros,
        null,
        run);
  }
}

package io.tollgate.research;

import io.tollgate.config.CatalogModel;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.ResearchSection;
import io.tollgate.limits.Limits;
import io.tollgate.proxy.ContextWindow;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a research run's sections one after another, each as a child request on the normal request path: a loopback
 * {@code POST /v1/chat/completions} with the user's key, the section's route type and {@code x-tollgate-run}, so the
 * gateway admits, holds, charges and receipts it like any request, inside the run's envelope. Then reads each
 * child's receipt back, and writes the report when the run ends.
 */
final class ResearchRunner {
  static final String RUN_HEADER = "x-tollgate-run";

  private final Vertx vertx;
  private final HttpClient loopback;
  private final int port;
  private final Limits limits;
  private final Clock clock;

  ResearchRunner(Vertx vertx, HttpClient loopback, int port, Limits limits, Clock clock) {
    this.vertx = vertx;
    this.loopback = loopback;
    this.port = port;
    this.limits = limits;
    this.clock = clock;
  }

  /** Runs every section, then ends the run's envelope whatever happened. Never fails. */
  Future<Void> run(ResearchRun run, GatewayConfig config, String authorization) {
    Map<String, String> texts = new HashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (ResearchSection section : run.quote.mode().sections()) {
      chain = chain.compose(v -> section(run, config, authorization, section, texts));
    }
    return chain.recover(e -> Future.succeededFuture()).andThen(done -> {
      limits.endRun(run.id);
      boolean anyFailed = run.results().stream().anyMatch(r -> !r.status().equals("succeeded"));
      String status = run.cancelled() ? "cancelled" : anyFailed ? "completed_with_failures" : "completed";
      ResearchReport report = ResearchReport.of(run, status, clock.millis());
      run.end(status, clock.millis(), report.markdown(), report.html());
      run.emit(new JsonObject().put("type", "run.ended").put("run", run.id).put("status", status).encode());
    }).mapEmpty();
  }

  private Future<Void> section(ResearchRun run, GatewayConfig config, String authorization, ResearchSection section,
      Map<String, String> texts) {
    if (run.cancelled()) {
      run.add(new SectionResult(section.id(), "cancelled", null, null, section.model(), null, null, false, null, 0, null,
          0, 0, 0, "the run was cancelled before this section started"));
      run.emit(event(run, section, "section.cancelled", null));
      return Future.succeededFuture();
    }
    SectionQuote quoted = run.quote.sections().stream().filter(s -> s.section().id().equals(section.id())).findFirst().orElseThrow();
    run.emit(event(run, section, "section.started", null));
    long started = clock.millis();
    return vertx.executeBlocking(() -> fitted(config.model(section.model()), quoted, run, texts).encode(), false)
        .compose(body -> loopback.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                .setURI("/v1/chat/completions"))
            .compose(request -> {
              run.inFlight(request);
              request.putHeader("authorization", authorization).putHeader("content-type", "application/json")
                  .putHeader("x-tollgate-route", quoted.routeType()).putHeader(RUN_HEADER, run.id);
              return request.send(body).compose(response -> response.body().map(b -> new Answer(response, b)));
            }))
        .compose(answer -> receipt(answer, authorization).map(receipt -> result(section, answer, receipt, clock.millis() - started)))
        .recover(e -> Future.succeededFuture(new SectionResult(section.id(), "failed", null, null, section.model(), null, null,
            false, null, 0, null, 0, 0, clock.millis() - started, "the call could not be made: " + e.getMessage())))
        .map(result -> {
          run.add(result);
          if (result.text() != null) {
            texts.put(section.id(), result.text());
          }
          run.emit(event(run, section, result.status().equals("succeeded") ? "section.succeeded" : "section.failed", result));
          return null;
        });
  }

  private record Answer(HttpClientResponse response, Buffer body) {}

  /**
   * The section's body with the texts it reads trimmed until its prompt counts no more than the quote's budget: the
   * quote's maximum, and so the envelope, assumed no larger a prompt.
   */
  static JsonObject fitted(CatalogModel model, SectionQuote quoted, ResearchRun run, Map<String, String> texts) {
    Map<String, String> earlier = new LinkedHashMap<>();
    for (String id : quoted.section().reads()) {
      earlier.put(id, texts.getOrDefault(id, "(this section failed or did not run)"));
    }
    JsonObject body = ResearchPrompts.body(quoted.section(), run.quote.bars(), run.quote.indicators(), earlier);
    while (ContextWindow.admittedPrompt(body, model).total() > quoted.promptBudget()) {
      earlier.replaceAll((id, text) -> text.substring(0, text.length() * 9 / 10));
      body = ResearchPrompts.body(quoted.section(), run.quote.bars(), run.quote.indicators(), earlier);
    }
    return body;
  }

  /** The child's receipt, read as its owner would; an empty one when the child has none. */
  private Future<JsonObject> receipt(Answer answer, String authorization) {
    String id = answer.response().getHeader("x-tollgate-request-id");
    if (id == null) {
      return Future.succeededFuture(new JsonObject());
    }
    return loopback.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI("/v1/receipts/" + id))
        .compose(request -> request.putHeader("authorization", authorization).send()
            .compose(response -> response.body().map(b -> response.statusCode() == 200 ? new JsonObject(b) : new JsonObject().put("id", id))))
        .recover(e -> Future.succeededFuture(new JsonObject().put("id", id)));
  }

  private static SectionResult result(ResearchSection section, Answer answer, JsonObject receipt, long durationMs) {
    boolean ok = answer.response().statusCode() == 200;
    String text = null;
    String error = null;
    if (ok) {
      text = new JsonObject(answer.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    } else {
      JsonObject err = new JsonObject(answer.body()).getJsonObject("error", new JsonObject());
      error = answer.response().statusCode() + " " + err.getString("code", "") + ": " + err.getString("message", "");
    }
    JsonObject usage = receipt.getJsonObject("usage", new JsonObject());
    return new SectionResult(section.id(), ok ? "succeeded" : "failed", text, receipt.getString("id",
        answer.response().getHeader("x-tollgate-request-id")), section.model(), receipt.getString("upstream_model"),
        receipt.getString("leg"), receipt.getBoolean("fallback", false), receipt.getString("bucket"),
        receipt.getLong("charged_micros", 0L) == null ? 0 : receipt.getLong("charged_micros", 0L), receipt.getString("transfer_id"),
        usage.getLong("prompt_tokens", 0L), usage.getLong("completion_tokens", 0L), durationMs, error);
  }

  private static String event(ResearchRun run, ResearchSection section, String type, SectionResult result) {
    JsonObject e = new JsonObject().put("type", type).put("run", run.id).put("section", section.id())
        .put("index", run.quote.mode().sections().indexOf(section)).put("of", run.quote.mode().sections().size());
    if (result != null) {
      e.put("receipt", result.receiptId()).put("charged_micros", result.chargedMicros()).put("bucket", result.bucket());
      if (result.error() != null) {
        e.put("error", result.error());
      }
    }
    return e.encode();
  }
}

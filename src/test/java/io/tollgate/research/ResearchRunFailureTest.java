package io.tollgate.research;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed section is receipted and marked in the report; a cancelled run starts no new section; the ledger verifies. */
class ResearchRunFailureTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;
  /** Sections whose title contains this fail upstream with a 503 on every leg. */
  static volatile String failing = "\u0000";
  /** When set, the next section is held until the test answers it. */
  static final AtomicReference<CompletableFuture<HttpServerRequest>> hold = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    f.replaceUpstream(request -> request.body().onSuccess(body -> {
      String text = body.toString();
      CompletableFuture<HttpServerRequest> held = hold.getAndSet(null);
      if (held != null) {
        held.complete(request);
      } else if (text.contains("Section: " + failing)) {
        request.response().setStatusCode(503).putHeader("content-type", "application/json")
            .end("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"code\":null}}");
      } else {
        answer(request);
      }
    }));
  }

  static void answer(HttpServerRequest request) {
    request.response().putHeader("content-type", "application/json").end(new JsonObject().put("id", "x")
        .put("object", "chat.completion").put("created", 1).put("model", "up")
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
            .put("message", new JsonObject().put("role", "assistant").put("content", "Prose around the table."))))
        .put("usage", new JsonObject().put("prompt_tokens", 200).put("completion_tokens", 30).put("total_tokens", 230)).encode());
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @BeforeEach
  void reset() {
    failing = "\u0000";
    hold.set(null);
  }

  static String run() {
    String quote = new JsonObject(f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"quick\"}", f.bearer()).body())
        .getString("id");
    HttpResponse<String> r = f.post("/v1/research/runs", "{\"quote_id\":\"" + quote + "\"}", f.bearer());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body()).getString("id");
  }

  static List<String> eventTypes(String runId) {
    return f.get("/v1/research/runs/" + runId + "/events", f.bearer()).body().lines().filter(l -> l.startsWith("data: "))
        .map(l -> new JsonObject(l.substring(6)).getString("type")).toList();
  }

  static void ledgerVerifies() {
    JsonObject verify = new JsonObject(f.get("/admin/ledger/verify", f.admin()).body());
    assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
  }

  @Test
  void aFailedSectionGetsItsFailureReceiptAndTheReportMarksIt() {
    failing = "Risk factors";
    String runId = run();
    assertThat(eventTypes(runId)).containsExactly("section.started", "section.succeeded", "section.started",
        "section.failed", "run.ended");
    JsonObject run = new JsonObject(f.get("/v1/research/runs/" + runId, f.bearer()).body());
    assertThat(run.getString("status")).isEqualTo("completed_with_failures");
    JsonObject failed = run.getJsonArray("sections").getJsonObject(1);
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getLong("charged_micros")).isZero();
    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + failed.getString("receipt"), f.bearer()).body());
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getBoolean("charged")).isFalse();
    String report = f.get("/v1/research/runs/" + runId + "/report", f.bearer()).body();
    assertThat(report).contains("> **This section failed**").contains(failed.getString("receipt"));
    ledgerVerifies();
  }

  @Test
  void aCancelledRunStartsNoNewSectionAndSettlesTheOneInFlight() throws Exception {
    CompletableFuture<HttpServerRequest> arrived = new CompletableFuture<>();
    hold.set(arrived);
    String runId = run();
    HttpServerRequest inFlight = arrived.get(20, TimeUnit.SECONDS);
    HttpResponse<String> cancel = f.delete("/v1/research/runs/" + runId, f.bearer());
    assertThat(cancel.statusCode()).isEqualTo(202);
    answer(inFlight);
    assertThat(eventTypes(runId)).containsExactly("section.started", "section.succeeded", "section.cancelled", "run.ended");
    JsonObject run = new JsonObject(f.get("/v1/research/runs/" + runId, f.bearer()).body());
    assertThat(run.getString("status")).isEqualTo("cancelled");
    assertThat(run.getJsonArray("sections").getJsonObject(1).getString("receipt")).isNull();
    // the envelope ended with the run: nothing more can be charged in its name
    HttpResponse<String> late = f.chat("{\"model\":\"chat-a\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"late\"}]}", "x-tollgate-route", "routed", "x-tollgate-run", runId);
    assertThat(late.body()).contains("research_run_not_running");
    ledgerVerifies();
  }
}

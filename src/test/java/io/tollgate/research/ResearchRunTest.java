package io.tollgate.research;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run follows its quote under an envelope of the run scope: every section is a child request on the normal path,
 * charged and receipted, and no child can take the run past the quoted maximum.
 */
class ResearchRunTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  static JsonObject quote(String mode) {
    HttpResponse<String> r = f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"" + mode + "\"}", f.bearer());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  static JsonObject startRun(JsonObject quote) {
    HttpResponse<String> r = f.post("/v1/research/runs", "{\"quote_id\":\"" + quote.getString("id") + "\"}", f.bearer());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return new JsonObject(r.body());
  }

  /** Reads the progress stream to its end (the run's end): the events, as JSON. */
  static List<JsonObject> events(String runId) {
    HttpResponse<String> r = f.get("/v1/research/runs/" + runId + "/events", f.bearer());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
    return Arrays.stream(r.body().split("\n")).filter(l -> l.startsWith("data: "))
        .map(l -> new JsonObject(l.substring(6))).toList();
  }

  @Test
  void aQuickRunWritesTwoSectionsAsChildRequestsInsideItsEnvelope() {
    JsonObject quote = quote("quick");
    long max = quote.getJsonObject("cost").getJsonObject("RMB").getLong("max_micros");
    JsonObject run = startRun(quote);
    assertThat(run.getString("status")).isEqualTo("running");
    assertThat(run.getJsonObject("envelope").getLong("RMB")).isEqualTo(max);

    List<JsonObject> events = events(run.getString("id"));
    assertThat(events).extracting(e -> e.getString("type")).containsExactly("section.started", "section.succeeded",
        "section.started", "section.succeeded", "run.ended");

    JsonObject ended = new JsonObject(f.get("/v1/research/runs/" + run.getString("id"), f.bearer()).body());
    assertThat(ended.getString("status")).isEqualTo("completed");
    long charged = 0;
    for (Object o : ended.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + s.getString("receipt"), f.bearer()).body());
      assertThat(receipt.getBoolean("charged")).isTrue();
      assertThat(receipt.getString("run")).isEqualTo(run.getString("id"));
      assertThat(receipt.getLong("charged_micros")).isEqualTo(s.getLong("charged_micros"));
      assertThat(receipt.getString("transfer_id")).isEqualTo(s.getString("transfer_id"));
      charged += s.getLong("charged_micros");
    }
    assertThat(charged).isPositive().isLessThanOrEqualTo(max);
    assertThat(ended.getJsonObject("charged").getLong("RMB")).isEqualTo(charged);

    String report = f.get("/v1/research/runs/" + run.getString("id") + "/report", f.bearer()).body();
    assertThat(report).contains("Research support, not financial advice", "Sample data", "<svg", "| SMA 200 |",
        "## Run receipt", "## Assumptions", "## Risk factors", quote.getJsonObject("data").getString("to"));
    String html = f.get("/v1/research/runs/" + run.getString("id") + "/report.html", f.bearer()).body();
    assertThat(html).startsWith("<!doctype html>").contains("<table>", "<svg", "<strong>Research support, not financial advice.</strong>");
    assertThat(new JsonObject(f.get("/admin/ledger/verify", f.admin()).body()).getBoolean("ok")).isTrue();
    // the run's envelope counters are forgotten once it ended: queued on the writer before run.ended was sent, so
    // done once the writer has run any later work
    f.store.writeNow(c -> null);
    io.tollgate.ledger.Accountant accountant = io.tollgate.ledger.Accountant.of(f.store, java.time.Clock.systemUTC());
    assertThat(accountant.view().snapshot().counters()).noneMatch(c -> c.counter().contains("|" + run.getString("id") + "|"));
  }

  @Test
  void aChildThatWouldTakeTheRunPastItsQuoteIsRefusedByTheEnvelope() {
    JsonObject quote = quote("quick");
    String runId = startRun(quote).getString("id");
    // a call of the run asking for far more output than the quote planned: its hold would not fit the envelope
    HttpResponse<String> greedy = f.chat("{\"model\":\"chat-a\",\"max_tokens\":4000,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"more\"}]}", "x-tollgate-route", "routed", "x-tollgate-run", runId);
    events(runId);
    assertThat(greedy.statusCode()).as(greedy.body()).isEqualTo(429);
    assertThat(greedy.body()).contains("run_envelope_spend_limit_reached");
    String refused = greedy.headers().firstValue("x-tollgate-request-id").orElseThrow();
    assertThat(new JsonObject(f.get("/v1/receipts/" + refused, f.bearer()).body()).getString("run")).isEqualTo(runId);
    // once the run ended, nothing more can be charged in its name
    HttpResponse<String> late = f.chat("{\"model\":\"chat-a\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"late\"}]}", "x-tollgate-route", "routed", "x-tollgate-run", runId);
    assertThat(late.statusCode()).isEqualTo(400);
    assertThat(late.body()).contains("research_run_not_running");
  }

  @Test
  void aQuoteStartsOneRunOnly() {
    JsonObject quote = quote("quick");
    String runId = startRun(quote).getString("id");
    HttpResponse<String> again = f.post("/v1/research/runs", "{\"quote_id\":\"" + quote.getString("id") + "\"}", f.bearer());
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.body()).contains("research_quote_not_found");
    events(runId);
  }

  @Test
  void aClientThatLeavesTheProgressStreamLeavesTheRunToFinishAndTheLedgerClean() throws Exception {
    JsonObject quote = quote("quick");
    JsonObject run = startRun(quote);
    String id = run.getString("id");
    // read the stream's first bytes, then hang up
    java.net.http.HttpResponse<java.io.InputStream> stream = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("/v1/research/runs/" + id + "/events")))
            .header("authorization", f.bearer()[1]).build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    try (java.io.InputStream in = stream.body()) {
      assertThat(in.read()).isNotNegative();
    }

    // a second reader sees the run through to its end, and every section settled inside the envelope
    List<JsonObject> events = events(id);
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("run.ended");
    JsonObject ended = new JsonObject(f.get("/v1/research/runs/" + id, f.bearer()).body());
    assertThat(ended.getString("status")).isEqualTo("completed");
    assertThat(ended.getJsonObject("charged").getLong("RMB"))
        .isLessThanOrEqualTo(quote.getJsonObject("cost").getJsonObject("RMB").getLong("max_micros"));
    assertThat(new JsonObject(f.get("/admin/ledger/verify", f.admin()).body()).getBoolean("ok")).isTrue();
    f.store.writeNow(c -> null);
    io.tollgate.ledger.Accountant accountant = io.tollgate.ledger.Accountant.of(f.store, java.time.Clock.systemUTC());
    assertThat(accountant.view().pending()).as("no hold is left open").isEmpty();
  }
}

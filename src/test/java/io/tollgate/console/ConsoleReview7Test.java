package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review (review7) of the console's usage filters, keys with limits and users lifecycle. Each test fails while its bug is there. */
class ConsoleReview7Test {
  private static final String PASSWORD = "correct horse battery";
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  @TempDir
  Path dir;
  GatewayFixture f;
  Tenant alice;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir);
    alice = Tenant.create(f, "alice");
    ConsoleHttp.createMember(f, alice.accountId(), "alice@example.com", PASSWORD);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  /**
   * The keys page says a bad limit is refused before the key is made, but it only checks that a spend cap is a
   * decimal of 0 or more, while {@code POST /v1/limits} takes a spend cap above 0 (and at most one billion units). A
   * cap of 0 passes the form, the key is created, its limit is refused, and the page answers 400 without the secret:
   * a live key without the limit its owner asked for is left in the project.
   */
  @Test
  void aSpendCapTheApiRefusesCreatesNoKey() {
    ConsoleHttp browser = signedIn();
    int before = keys().size();
    HttpResponse<String> created = browser.postForm("/console/keys", Map.of("csrf", browser.csrf(), "name", "capped",
        "route_types", "routed", "cap", "0"));
    assertThat(created.body()).doesNotContain("Key created");
    assertThat(keys()).as("keys after a refused limit").hasSize(before);
    assertThat(keys()).noneMatch(k -> "capped".equals(k.getString("name")));
  }

  /**
   * The usage page reads the receipts with the filter's dates, which {@code GET /v1/receipts} takes over any span, and
   * then the usage report over the same dates (or from the filter's {@code from} to today), which refuses more than
   * 366 days: a member filtering from more than a year back gets a 400 page instead of their receipts.
   */
  @Test
  void aUsageFilterReachingBackMoreThanAYearStillListsTheReceipts() {
    HttpResponse<String> chat = f.post("/v1/chat/completions", CHAT, alice.bearer());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    String receipt = chat.headers().firstValue("x-tollgate-request-id").orElseThrow();
    ConsoleHttp browser = signedIn();
    LocalDate longAgo = LocalDate.now(ZoneId.of("UTC")).minusDays(400);

    HttpResponse<String> page = browser.get("/console/usage?from=" + longAgo);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.body()).contains(receipt);
  }

  /**
   * The console calls the API over one loopback client of 64 connections, shared by every session. The research
   * event stream it passes through holds one of them until the run ends, whatever the page does (a browser that
   * leaves does not free it), and a member may open as many as they like: one member following their own running
   * run from 64 tabs (or a script) stalls every console page of every other account and of the operator until the
   * run ends.
   */
  @Test
  void oneMembersEventStreamsDoNotStallOtherAccountsPages() throws Exception {
    // an upstream that keeps each answer open (a byte of JSON's leading whitespace each second) until released
    java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
    f.replaceUpstream(request -> {
      var response = request.response().setChunked(true).putHeader("content-type", "application/json");
      long timer = f.vertx.setPeriodic(1000, id -> response.write(" "));
      release.whenComplete((v, e) -> f.vertx.runOnContext(x -> {
        f.vertx.cancelTimer(timer);
        if (!response.ended() && !response.closed()) {
          response.end("{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"up-a-routed\",\"choices\":"
              + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}");
        }
      }));
      response.closeHandler(v -> f.vertx.cancelTimer(timer));
    });
    Tenant bob = Tenant.create(f, "bob");
    ConsoleHttp.createMember(f, bob.accountId(), "bob@example.com", PASSWORD);
    ConsoleHttp bobBrowser = new ConsoleHttp(f);
    assertThat(bobBrowser.signIn("bob@example.com", PASSWORD).statusCode()).isEqualTo(303);
    ConsoleHttp browser = signedIn();

    String csrf = browser.csrf();
    String quoted = browser.postForm("/console/research/quote", Map.of("csrf", csrf, "symbol", "ACME", "mode", "deep")).body();
    String quoteId = quoted.replaceAll("(?s).*name=\"quote_id\" value=\"([^\"]+)\".*", "$1");
    String run = browser.postForm("/console/research/runs", Map.of("csrf", csrf, "quote_id", quoteId)).headers()
        .firstValue("location").orElseThrow();
    assertThat(run).startsWith("/console/research/runs/run_");

    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    String cookie = ConsoleRoutes.SESSION_COOKIE + "=" + browser.cookies.get(ConsoleRoutes.SESSION_COOKIE);
    List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> streams = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 70; i++) {
        streams.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url(run + "/events")))
            .header("cookie", cookie).GET().build(), HttpResponse.BodyHandlers.discarding()));
      }
      Thread.sleep(1500);

      long started = System.nanoTime();
      java.util.concurrent.CompletableFuture<HttpResponse<String>> page = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> bobBrowser.get("/console/overview"));
      HttpResponse<String> answered;
      try {
        answered = page.get(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        answered = null;
      }
      assertThat(answered).as("another account's overview, while one member follows a run 70 times (waited %d ms)",
          (System.nanoTime() - started) / 1_000_000).isNotNull();
      assertThat(answered.statusCode()).isEqualTo(200);
    } finally {
      release.complete(null);
      streams.forEach(s -> s.cancel(true));
    }
  }

  /**
   * The same bound for the playground: its streamed chats pass through the streams' own pool, at most two at once per
   * session, so one member's slow answers never hold the connections another account's pages need.
   */
  @Test
  void oneMembersPlaygroundChatsDoNotStallOtherAccountsPages() throws Exception {
    java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
    f.replaceUpstream(request -> {
      var response = request.response().setChunked(true).putHeader("content-type", "text/event-stream");
      response.write("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"up-a-routed\","
          + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}\n\n");
      release.whenComplete((v, e) -> f.vertx.runOnContext(x -> {
        if (!response.ended() && !response.closed()) {
          response.end("data: [DONE]\n\n");
        }
      }));
    });
    Tenant bob = Tenant.create(f, "bob");
    ConsoleHttp.createMember(f, bob.accountId(), "bob@example.com", PASSWORD);
    ConsoleHttp bobBrowser = new ConsoleHttp(f);
    assertThat(bobBrowser.signIn("bob@example.com", PASSWORD).statusCode()).isEqualTo(303);
    ConsoleHttp browser = signedIn();
    String csrf = browser.csrf();

    java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    String cookie = ConsoleRoutes.SESSION_COOKIE + "=" + browser.cookies.get(ConsoleRoutes.SESSION_COOKIE);
    List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> chats = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 70; i++) {
        chats.add(http.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("/console/playground/chat")))
            .header("cookie", cookie).header("x-csrf-token", csrf).header("content-type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-a\",\"message\":\"hi\",\"route_type\":\"routed\"}"))
            .build(), HttpResponse.BodyHandlers.discarding()));
      }
      // all but two are refused at once; the two stay open on the upstream
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (chats.stream().filter(java.util.concurrent.CompletableFuture::isDone).count() < 70 - EventStreams.PER_SESSION
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      long refused = chats.stream().filter(java.util.concurrent.CompletableFuture::isDone)
          .filter(c -> c.join().statusCode() == 429).count();
      assertThat(refused).as("playground chats refused beyond the session's bound").isEqualTo(70 - EventStreams.PER_SESSION);

      java.util.concurrent.CompletableFuture<HttpResponse<String>> page = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> bobBrowser.get("/console/overview"));
      assertThat(page.get(10, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } finally {
      release.complete(null);
      chats.forEach(c -> c.cancel(true));
    }
  }

  private ConsoleHttp signedIn() {
    ConsoleHttp browser = new ConsoleHttp(f);
    assertThat(browser.signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(303);
    return browser;
  }

  private List<JsonObject> keys() {
    return new JsonObject(f.get("/admin/keys?project_id=" + alice.projectId(), f.admin()).body()).getJsonArray("data").stream()
        .map(k -> (JsonObject) k).toList();
  }
}

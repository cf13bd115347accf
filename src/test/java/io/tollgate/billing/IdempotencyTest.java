package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An Idempotency-Key makes a retried request run and charge once, and replays its first result. */
class IdempotencyTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}";

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

  @BeforeEach
  void reset() {
    f.upstream.resetCounts();
  }

  @Test
  void fiftyConcurrentRetriesMakeOneUpstreamCallAndOneCharge() throws Exception {
    String idempotencyKey = UUID.randomUUID().toString();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + f.key)
          .header("content-type", "application/json")
          .header("idempotency-key", idempotencyKey)
          .header("x-mock", "latency_ms=200")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString(CHAT))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    assertThat(f.upstream.requestCount()).isEqualTo(1);
    List<HttpResponse<String>> responses = calls.stream().map(CompletableFuture::join).toList();
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(responses.stream().map(HttpResponse::body).distinct()).hasSize(1);
    List<String> ids = responses.stream().map(r -> r.headers().firstValue("x-tollgate-request-id").orElseThrow()).distinct().toList();
    assertThat(ids).hasSize(1);
    assertThat(responses.stream().filter(r -> r.headers().firstValue("x-tollgate-idempotent-replay").isPresent())).hasSize(49);
    assertThat(Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge' AND request_id = '" + ids.get(0) + "'"))
        .isEqualTo(1);
    Wallets.assertVerified(f.store, System.currentTimeMillis());
  }

  @Test
  void replaysTheFirstResultLaterAndRefusesTheSameKeyWithAnotherBody() {
    String idempotencyKey = UUID.randomUUID().toString();
    HttpResponse<String> first = f.chat(CHAT, "idempotency-key", idempotencyKey);
    HttpResponse<String> again = f.chat(CHAT, "idempotency-key", idempotencyKey);
    HttpResponse<String> other = f.chat(CHAT.replace("once", "twice"), "idempotency-key", idempotencyKey);

    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("x-tollgate-cost")).isEqualTo(first.headers().firstValue("x-tollgate-cost"));
    assertThat(again.headers().firstValue("x-tollgate-idempotent-replay")).hasValue("true");
    assertThat(other.statusCode()).isEqualTo(409);
    assertThat(new JsonObject(other.body()).getJsonObject("error").getString("code")).isEqualTo("idempotency_key_reused");
    assertThat(f.upstream.requestCount()).isEqualTo(1);
  }

  @Test
  void replaysAStreamedResultAndAFailure() {
    String streamKey = UUID.randomUUID().toString();
    String stream = "{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"s\"}]}";
    HttpResponse<String> first = f.chat(stream, "idempotency-key", streamKey);
    HttpResponse<String> again = f.chat(stream, "idempotency-key", streamKey);
    assertThat(again.body()).isEqualTo(first.body()).contains("[DONE]");
    assertThat(again.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));

    String failKey = UUID.randomUUID().toString();
    HttpResponse<String> failed = f.chat(CHAT, "idempotency-key", failKey, "x-mock", "status=503");
    HttpResponse<String> replayed = f.chat(CHAT, "idempotency-key", failKey);
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(replayed.statusCode()).isEqualTo(502);
    assertThat(replayed.body()).isEqualTo(failed.body());
    assertThat(f.upstream.requestCount()).isEqualTo(3);
  }

  @Test
  void doesNotPinARequestRejectedBeforeAnyUpstreamCall() {
    String idempotencyKey = UUID.randomUUID().toString();
    HttpResponse<String> bad = f.chat("{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"once\"}],\"max_tokens\":-1}",
        "idempotency-key", idempotencyKey);
    assertThat(bad.statusCode()).isEqualTo(400);

    HttpResponse<String> blank = f.chat(CHAT, "idempotency-key", " ");
    assertThat(blank.statusCode()).isEqualTo(400);
  }
}

package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.RouteType;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad input gets an OpenAI-shaped error with the right status, and never reaches an upstream. */
class BadInputTest {
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
  void resetCounts() {
    f.upstream.resetCounts();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      not json                  | {"model": "chat-a", "messages": [            | invalid_json               |
      array body                | []                                            | invalid_json               |
      missing model             | {"messages":[{"role":"user","content":"x"}]}  | missing_required_parameter | model
      model not a string        | {"model":42,"messages":[{"role":"user","content":"x"}]} | invalid_type | model
      missing messages          | {"model":"chat-a"}                            | missing_required_parameter | messages
      messages not an array     | {"model":"chat-a","messages":"hi"}            | invalid_type               | messages
      empty messages            | {"model":"chat-a","messages":[]}              | invalid_value              | messages
      bad role                  | {"model":"chat-a","messages":[{"role":"robot","content":"x"}]} | invalid_value | messages[0].role
      negative max_tokens       | {"model":"chat-a","messages":[{"role":"user","content":"x"}],"max_tokens":-3} | invalid_value | max_tokens
      absurd max_tokens         | {"model":"chat-a","messages":[{"role":"user","content":"x"}],"max_tokens":100000000} | invalid_value | max_tokens
      max_tokens wrong type     | {"model":"chat-a","messages":[{"role":"user","content":"x"}],"max_tokens":"ten"} | invalid_type | max_tokens
      stream wrong type         | {"model":"chat-a","messages":[{"role":"user","content":"x"}],"stream":"yes"} | invalid_type | stream
      temperature out of range  | {"model":"chat-a","messages":[{"role":"user","content":"x"}],"temperature":7} | invalid_value | temperature
      """)
  void rejectsInvalidChatBodiesWith400(String name, String body, String code, String param) {
    HttpResponse<String> response = f.chat(body);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = error(response);
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("param")).isEqualTo(param);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void badJsonIsExplainedByLineAndColumnWithoutTheParsersInternals() {
    HttpResponse<String> response = f.chat("{\"model\": \"chat-a\",\n \"messages\": [}");

    assertThat(response.statusCode()).isEqualTo(400);
    String message = error(response).getString("message");
    assertThat(message).contains("line 2, column 15")
        .doesNotContainIgnoringCase("source").doesNotContain("io.netty").doesNotContain("Failed to decode")
        .doesNotContain("marker");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsInvalidEmbeddingsInput() {
    HttpResponse<String> response = f.post("/v1/embeddings", "{\"model\":\"embed-a\",\"input\":[]}", f.bearer());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(error(response).getString("param")).isEqualTo("input");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void refusesAnEmbeddingsInputOverTheContextWindowNamingItsIndex() {
    String body = "{\"model\":\"embed-a\",\"input\":[\"short\"," + tokenIds(8193) + ",\"also short\"]}";

    HttpResponse<String> response = f.post("/v1/embeddings", body, f.bearer());

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = error(response);
    assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error.getString("param")).isEqualTo("input[1]");
    assertThat(error.getString("message")).contains("input[1]").contains("8193").contains("8192");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void refusesASingleEmbeddingsInputOverTheContextWindowNamingInput() {
    HttpResponse<String> response = f.post("/v1/embeddings", "{\"model\":\"embed-a\",\"input\":" + tokenIds(8193) + "}",
        f.bearer());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(error(response).getString("param")).isEqualTo("input");
    assertThat(error(response).getString("message")).contains("8193").contains("8192");
    assertThat(f.upstream.requestCount()).isZero();
  }

  /** A token array of {@code n} ids: counted as exactly {@code n} tokens. */
  static String tokenIds(int n) {
    return "[" + "7,".repeat(n - 1) + "7]";
  }

  @Test
  void rejectsAMissingKeyWith401() {
    HttpResponse<String> response = f.post("/v1/chat/completions", valid("chat-a"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(error(response).getString("code")).isEqualTo("invalid_api_key");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsAnUnknownKeyWithoutEchoingIt() {
    String forged = "tg-" + "Z".repeat(40);
    HttpResponse<String> response = f.post("/v1/chat/completions", valid("chat-a"), "authorization", "Bearer " + forged);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).doesNotContain(forged).doesNotContain("ZZZZZZZZ");
    HttpResponse<String> almost = f.post("/v1/chat/completions", valid("chat-a"),
        "authorization", "Bearer " + f.key.substring(0, f.key.length() - 1) + (f.key.endsWith("x") ? "y" : "x"));
    assertThat(almost.statusCode()).isEqualTo(401);
    assertThat(almost.body()).doesNotContain(f.key.substring(3, 20));
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsAModelOutsideTheKeysScopeWith403() {
    String key = f.newKey(new KeyScope(List.of("chat-b"), List.of(RouteType.ROUTED, RouteType.OFFICIAL)));

    HttpResponse<String> response = f.post("/v1/chat/completions", valid("chat-a"), "authorization", "Bearer " + key);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(error(response).getString("code")).isEqualTo("model_not_allowed");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsARouteTypeOutsideTheKeysScopeWith403() {
    String officialOnly = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL)));

    HttpResponse<String> forced = f.post("/v1/chat/completions", valid("chat-a"),
        "authorization", "Bearer " + officialOnly, "x-tollgate-route", "routed");
    HttpResponse<String> unserved = f.post("/v1/chat/completions", valid("chat-b"), "authorization", "Bearer " + officialOnly);

    assertThat(forced.statusCode()).isEqualTo(403);
    assertThat(error(forced).getString("code")).isEqualTo("route_type_not_allowed");
    assertThat(unserved.statusCode()).isEqualTo(403);
    assertThat(error(unserved).getString("message")).contains("routed").contains("official");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void keyScopePreferenceChoosesTheRoute() {
    String officialFirst = f.newKey(new KeyScope(List.of(), List.of(RouteType.OFFICIAL, RouteType.ROUTED)));

    HttpResponse<String> response = f.post("/v1/chat/completions", valid("chat-a"), "authorization", "Bearer " + officialFirst);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-tollgate-route")).hasValue("official");
    assertThat(response.headers().firstValue("x-tollgate-bucket")).hasValue("CREDIT");
  }

  @Test
  void rejectsAnUnknownModelWith404NamingTheClosest() {
    HttpResponse<String> response = f.chat(valid("chat-c"));

    assertThat(response.statusCode()).isEqualTo(404);
    JsonObject error = error(response);
    assertThat(error.getString("code")).isEqualTo("model_not_found");
    assertThat(error.getString("param")).isEqualTo("model");
    assertThat(error.getString("message")).contains("'chat-a'").contains("'chat-b'");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsAnOversizedBodyBeforeReadingIt() throws Exception {
    // Content-Length says 10 MB against a 64 KiB limit; the gateway answers without waiting for the body
    try (Socket socket = new Socket("127.0.0.1", f.gateway.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + f.key
          + "\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 413");
    }
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void rejectsAnOversizedChunkedBodyWith413() {
    String big = "x".repeat(70_000);
    HttpResponse<String> response = f.chat("{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(error(response).getString("code")).isEqualTo("request_too_large");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void namesANestedFieldOfTheWrongTypeByItsPath() {
    HttpResponse<String> response = f.chat("{\"model\":\"chat-a\",\"stream\":true,\"stream_options\":{\"include_usage\":\"yes\"},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(error(response).getString("param")).isEqualTo("stream_options.include_usage");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void namesTheLimitWhenABodySentInChunksPassesIt() throws Exception {
    String chunk = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";
    io.tollgate.testing.RawHttp.Answer answer = io.tollgate.testing.RawHttp.exchange(f.gateway.port(),
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + f.key
            + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");

    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.error().getString("code")).isEqualTo("request_too_large");
    assertThat(answer.error().getString("message")).as("the configured limit, not -1").contains("65536 bytes");
  }

  @Test
  void answersUnknownPathsInTheErrorShape() {
    HttpResponse<String> response = f.get("/v1/nothing-here", f.bearer());

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(error(response).getString("message")).contains("/v1/nothing-here");
  }

  @Test
  void recordsRejectedRequestsOnAReceiptWithNothingCharged() {
    HttpResponse<String> response = f.chat("{\"model\":\"chat-a\"}");
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();

    JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + id, f.bearer()).body());

    assertThat(receipt.getString("outcome")).isEqualTo("rejected");
    assertThat(receipt.getInteger("http_status")).isEqualTo(400);
    assertThat(receipt.getBoolean("charged")).isFalse();
    assertThat(receipt.getJsonArray("attempts")).isEmpty();
  }

  static String valid(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  }

  static JsonObject error(HttpResponse<String> response) {
    JsonObject body = new JsonObject(response.body());
    assertThat(body.fieldNames()).containsExactly("error");
    JsonObject error = body.getJsonObject("error");
    assertThat(error.fieldNames()).contains("message", "type", "param", "code");
    return error;
  }
}

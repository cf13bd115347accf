package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A body the gateway reads is JSON: another declared media type gets 415 before any handler runs. */
class JsonContentTypeTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

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

  @ParameterizedTest(name = "{0} {1} as {2}")
  @CsvSource(delimiter = '|', textBlock = """
      POST | /v1/chat/completions          | application/x-www-form-urlencoded
      POST | /v1/chat/completions          | text/plain
      POST | /v1/chat/completions          | application/json; charset=iso-8859-1
      POST | /v1/embeddings                | multipart/form-data; boundary=x
      POST | /v1/quote                     | application/x-www-form-urlencoded
      POST | /v1/wallet/redeem             | text/plain
      POST | /admin/accounts               | application/x-www-form-urlencoded
      PUT  | /admin/keys/key_x/scope       | text/plain
      """)
  void refusesANonJsonBodyWith415(String method, String path, String contentType) throws Exception {
    HttpResponse<String> response = send(method, path, contentType, CHAT);

    assertThat(response.statusCode()).isEqualTo(415);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("code")).isEqualTo("unsupported_media_type");
    assertThat(error.getString("message")).contains("application/json");
    assertThat(error.fieldNames()).contains("param");
    assertThat(f.upstream.requestCount()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      application/json
      application/json; charset=utf-8
      Application/JSON;charset=UTF-8
      """)
  void acceptsJsonWithOrWithoutParameters(String contentType) throws Exception {
    HttpResponse<String> response = send("POST", "/v1/chat/completions", contentType, CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void toleratesAMissingContentTypeAndReadsTheBodyAsJson() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/chat/completions", null, CHAT);

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void ignoresTheContentTypeOfAnEmptyBody() throws Exception {
    HttpResponse<String> response = send("POST", "/admin/config/reload", "application/x-www-form-urlencoded", "");

    assertThat(response.statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(f.url(path)))
        .timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.ofString(body));
    String token = path.startsWith("/admin/") ? f.adminToken : f.key;
    request.header("authorization", "Bearer " + token);
    if (contentType != null) {
      request.header("content-type", contentType);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}

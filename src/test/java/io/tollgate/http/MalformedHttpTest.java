package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RawHttp.Answer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests that are not valid HTTP/1.1 get an answer in the OpenAI error shape with the status that names the
 * problem, then the connection is closed; none reaches a handler or an upstream.
 */
class MalformedHttpTest {
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

  static Stream<Arguments> malformed() {
    String chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    StringBuilder manyHeaders = new StringBuilder("GET /v1/models HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 2_000; i++) {
      manyHeaders.append("X-H").append(i).append(": v\r\n");
    }
    return Stream.of(
        Arguments.of("unsupported HTTP version", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        Arguments.of("Content-Length not a number", chat + "Content-Length: abc\r\n\r\n{}", 400, "invalid_http_request"),
        Arguments.of("negative Content-Length", chat + "Content-Length: -1\r\n\r\n{}", 400, "invalid_http_request"),
        Arguments.of("two Content-Lengths", chat + "Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}", 400, "invalid_http_request"),
        Arguments.of("a 64 KB header", "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n",
            431, "headers_too_large"),
        Arguments.of("2,000 headers", manyHeaders + "\r\n", 431, "headers_too_large"),
        Arguments.of("NUL in a header", "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400, "invalid_http_request"),
        Arguments.of("an overlong path", "GET /v1/" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "request_line_too_long"),
        Arguments.of("an invalid chunk size", chat + "Authorization: Bearer tg-x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            400, "invalid_chunked_body"),
        Arguments.of("no request line", "HELLO\r\n\r\n", 400, "invalid_http_request"),
        Arguments.of("a space before a header's colon", "GET /v1/models HTTP/1.1\r\nHost : x\r\n\r\n", 400, "invalid_http_request"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void answersMalformedHttpInTheErrorShapeThenCloses(String name, String request, int status, String code) throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, request);
      Answer answer = RawHttp.read(socket);

      assertThat(answer.silent()).as("answered at all").isFalse();
      assertThat(answer.status()).isEqualTo(status);
      assertThat(answer.header("content-type")).startsWith("application/json");
      JsonObject error = answer.error();
      assertThat(error.getString("code")).isEqualTo(code);
      assertThat(answer.header("connection")).isEqualTo("close");
      assertThat(RawHttp.closesWithoutMore(socket)).as("closed after the answer").isTrue();
    }
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void answersAWrongMethodInTheErrorShape() throws Exception {
    Answer answer = RawHttp.exchange(f.gateway.port(), "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(answer.status()).isEqualTo(405);
    assertThat(answer.error().getString("code")).isEqualTo("method_not_allowed");
  }

  @Test
  void answersAPipelinedRequestBeforeRefusingTheGarbageAfterIt() throws Exception {
    String chat = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      // the chat is answered after an upstream call, so the garbage is read while its answer is still owed
      RawHttp.send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + f.key + "\r\nContent-Length: " + chat.length() + "\r\n\r\n" + chat + "HELLO\r\n\r\n");

      assertThat(RawHttp.read(socket).status()).isEqualTo(200);
      Answer refusal = RawHttp.read(socket);
      assertThat(refusal.status()).isEqualTo(400);
      assertThat(refusal.error().getString("code")).isEqualTo("invalid_http_request");
      assertThat(RawHttp.closesWithoutMore(socket)).isTrue();
    }
  }

  @Test
  void refusesAQueryStringThatDoesNotDecodeWith400() throws Exception {
    Answer answer = RawHttp.exchange(f.gateway.port(), "GET /v1/wallet/ledger?bucket=RMB&after=%zz HTTP/1.1\r\nHost: x\r\n"
        + "Authorization: Bearer " + f.key + "\r\nConnection: close\r\n\r\n");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.error().getString("code")).isEqualTo("invalid_query_string");
  }

  @Test
  void keepsServingTheNextRequestAfterAMalformedOne() throws Exception {
    RawHttp.exchange(f.gateway.port(), "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");

    Answer answer = RawHttp.exchange(f.gateway.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  void logsRepeatedCodecFailuresAsOneLineWithoutAStackTrace() throws Exception {
    String badChunk = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Authorization: Bearer tg-x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 20; i++) {
        RawHttp.exchange(f.gateway.port(), badChunk);
        RawHttp.exchange(f.gateway.port(), "GET / HTTP/9.9\r\n\r\n");
      }
      // one more well-formed exchange, so anything the bad ones logged on their way out has been written
      RawHttp.exchange(f.gateway.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    } finally {
      System.setErr(original);
    }

    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("\tat ").doesNotContain("Exception:");
    assertThat(log.lines().filter(line -> line.contains("WARN") || line.contains("ERROR")).count()).isLessThanOrEqualTo(1);
  }
}

package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RawHttp.Answer;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that hold a connection without finishing a request are cut off: the head, the body and a kept-alive
 * connection's idle time each have a limit (here 500 ms). A response the gateway is still writing is never cut,
 * however long it takes. Assertions are on outcomes only; reads wait up to {@link RawHttp#READ_LIMIT_MS}.
 */
class SlowClientsTest {
  private static final long DRIP_EVERY_MS = 100;

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir, """
        header_timeout_ms: 500
        body_timeout_ms: 500
        idle_timeout_ms: 500
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @BeforeEach
  void resetCounts() {
    f.upstream.resetCounts();
  }

  @Test
  void answers408AndClosesAConnectionThatSendsNothing() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      Answer answer = RawHttp.read(socket);

      assertThat(answer.status()).isEqualTo(408);
      assertThat(answer.error().getString("code")).isEqualTo("header_timeout");
      assertThat(answer.header("connection")).isEqualTo("close");
      assertThat(RawHttp.closesWithoutMore(socket)).isTrue();
    }
  }

  @Test
  void answers408ToAHeadSentOneLineAtATime() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "POST /v1/chat/completions HTTP/1.1\r\n");
      try (Drip drip = Drip.start(socket, i -> "X-Drip-" + i + ": v\r\n")) {
        Answer answer = RawHttp.read(socket);

        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.error().getString("code")).isEqualTo("header_timeout");
        assertThat(RawHttp.closesWithoutMore(socket)).isTrue();
      }
    }
  }

  @Test
  void answers408ToABodySentOneByteAtATime() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + f.key + "\r\nContent-Length: 1000\r\n\r\n{");
      try (Drip drip = Drip.start(socket, i -> " ")) {
        Answer answer = RawHttp.read(socket);

        assertThat(answer.status()).isEqualTo(408);
        assertThat(answer.error().getString("code")).isEqualTo("body_timeout");
        assertThat(RawHttp.closesWithoutMore(socket)).isTrue();
      }
    }
    assertThat(f.upstream.requestCount()).isZero();
  }

  @Test
  void closesAnIdleKeptAliveConnectionWithoutAnAnswer() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.read(socket).status()).isEqualTo(200);

      assertThat(RawHttp.closesWithoutMore(socket)).as("closed, and nothing sent").isTrue();
    }
  }

  @Test
  void keepsServingAKeptAliveConnectionThatKeepsSendingRequests() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      for (int i = 0; i < 6; i++) {
        RawHttp.send(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(RawHttp.read(socket).status()).isEqualTo(200);
        Thread.sleep(DRIP_EVERY_MS * 2);
      }
    }
  }

  @Test
  void neverCutsAStreamThatOutlastsEveryTimeout() {
    // 15 chunks at 10 per second: about 1.5 s of streaming, three times every client timeout
    HttpResponse<String> response = f.chat("{\"model\":\"chat-a\",\"stream\":true,\"max_tokens\":15,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"slow\"}]}", "x-mock", "tps=10,tokens=15");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("[DONE]");
  }

  @Test
  void neverCutsARequestWaitingLongerThanEveryTimeoutForItsUpstream() {
    HttpResponse<String> response = f.chat("{\"model\":\"bulk\",\"messages\":[{\"role\":\"user\",\"content\":\"wait\"}]}",
        "x-mock", "latency_ms=1500");

    assertThat(response.statusCode()).isEqualTo(200);
  }

  /** Writes one piece every {@link #DRIP_EVERY_MS} until closed or the gateway closes the connection. */
  private static final class Drip implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    private Drip(Socket socket, java.util.function.IntFunction<String> piece) {
      thread = new Thread(() -> {
        try {
          for (int i = 0; running.get(); i++) {
            socket.getOutputStream().write(piece.apply(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            Thread.sleep(DRIP_EVERY_MS);
          }
        } catch (Exception e) {
          // the gateway closed the connection: the drip is over
        }
      }, "drip");
      thread.setDaemon(true);
    }

    static Drip start(Socket socket, java.util.function.IntFunction<String> piece) {
      Drip drip = new Drip(socket, piece);
      drip.thread.start();
      return drip;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(5_000);
    }
  }
}

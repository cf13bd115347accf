package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RawHttp.Answer;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review round 3: probes of the connection guard (timeouts 500 ms). */
class ConnectionGuardAnswersTest {
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

  /**
   * Demonstrates a bug: a request answered before its body is read (415 for a non-JSON body) leaves the guard in
   * Reading.BODY with its body timer running; when that timer fires the guard thinks nothing is owed
   * (unanswered == 0, answerStarted reset) and writes a second, unsolicited 408 on a connection whose only request
   * was already answered. ConnectionGuard.answerAndClose / Messages.write.
   */
  @Test
  void aRequestAnsweredBeforeItsBodyGetsExactlyOneAnswer() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
          + "Authorization: Bearer " + f.key + "\r\nContent-Length: 1000\r\n\r\nabc");
      Answer first = RawHttp.read(socket);
      assertThat(first.status()).isEqualTo(415);
      // the client sends nothing more; the answer above was the only one owed
      Thread.sleep(1_000);
      java.io.InputStream in = socket.getInputStream();
      socket.setSoTimeout(3_000);
      byte[] more = new byte[4096];
      int n;
      try {
        n = in.read(more);
      } catch (java.net.SocketException e) {
        n = -1;
      }
      assertThat(n == -1 ? "" : new String(more, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1))
          .as("bytes after the 415: closed with no second answer to the same request").isEmpty();
    }
  }

  /** Pipelined requests in one write each get their answer, in order. */
  @Test
  void pipelinedRequestsAreAllAnswered() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.read(socket).status()).isEqualTo(200);
      assertThat(RawHttp.read(socket).status()).isEqualTo(200);
      assertThat(RawHttp.read(socket).status()).isEqualTo(200);
    }
  }

  /** A slowloris head after a first good request on a kept-alive connection is cut by the header timeout. */
  @Test
  void aSlowHeadAfterAGoodRequestIsCut() throws Exception {
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(RawHttp.read(socket).status()).isEqualTo(200);
      long start = System.nanoTime();
      RawHttp.send(socket, "GET /healthz HTTP/1.1\r\n");
      Thread drip = new Thread(() -> {
        for (int i = 0; i < 30; i++) {
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
          RawHttp.send(socket, "X-" + i + ": v\r\n");
        }
      });
      drip.setDaemon(true);
      drip.start();
      Answer answer = RawHttp.read(socket);
      drip.interrupt();
      assertThat(answer.status()).isEqualTo(408);
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_500);
    }
  }
}

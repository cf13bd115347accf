package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that reads a stream slower than the upstream writes it makes the relay pause the upstream. That pause is
 * the client's, not the upstream's silence: it never ends the stream as the upstream's idle timeout, never counts
 * against the channel's health, and a stream the client does take in the end is charged as any other. The channel's
 * total timeout still bounds the attempt; when it runs out during such a pause the receipt says the client was too
 * slow, not that the upstream failed.
 *
 * <p>The {@code frag} route's channel ({@code fragile}) has here an idle timeout of 300 ms, a total of 6,000 ms and a
 * breaker that opens after 3 failures. The stream (30,000 tokens, about 7 MB) is more than the kernel's buffers, the
 * client's receive window and the gateway's write queue take, so the relay must pause.
 */
class SlowReaderStreamTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    // a long answer on the fragile channel: far more than the client's window and the gateway's write queue hold
    String config = java.nio.file.Files.readString(f.configFile);
    String frag = "  - id: frag\n    max_output_tokens: 1000\n";
    assertThat(config).contains(frag);
    String fragile = "timeouts: {connect_ms: 1000, first_byte_ms: 1000, idle_ms: 400, total_ms: 3000}";
    assertThat(config).contains(fragile);
    java.nio.file.Files.writeString(f.configFile, config.replace(frag, "  - id: frag\n    max_output_tokens: 100000\n")
        .replace(fragile, "timeouts: {connect_ms: 1000, first_byte_ms: 1000, idle_ms: 300, total_ms: 6000}"));
    assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  private static final String BODY = "{\"model\":\"frag\",\"stream\":true,\"max_tokens\":30000,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"a long answer\"}]}";

  /** Sends the streamed request on a socket with a small receive buffer, reads nothing for {@code pauseMs}, then all. */
  private static String slowRead(long pauseMs) throws Exception {
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(65536);
      socket.connect(new InetSocketAddress("127.0.0.1", f.gateway.port()), 5_000);
      socket.setSoTimeout(RawHttp.READ_LIMIT_MS);
      RawHttp.send(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Authorization: Bearer " + f.key + "\r\nx-mock: tokens=30000\r\nConnection: close\r\n"
          + "Content-Length: " + BODY.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + BODY);
      Thread.sleep(pauseMs);
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return all.toString(StandardCharsets.UTF_8);
    }
  }

  private static JsonObject lastReceipt() {
    JsonArray data = new JsonObject(f.get("/v1/receipts?limit=1", f.bearer()).body()).getJsonArray("data");
    return data.getJsonObject(0);
  }

  private static JsonObject fragileHealth() {
    JsonArray channels = new JsonObject(f.get("/admin/channels", f.admin()).body()).getJsonArray("data");
    for (Object o : channels) {
      JsonObject c = (JsonObject) o;
      if ("fragile".equals(c.getString("id"))) {
        return c.getJsonObject("health");
      }
    }
    throw new AssertionError("no fragile channel in /admin/channels");
  }

  @Test
  void aClientReadingSlowerThanTheIdleTimeoutGetsTheWholeStreamAndTheChannelIsNotBlamed() throws Exception {
    long failuresBefore = fragileHealth().getLong("consecutive_failures", 0L);

    // the relay pauses once the buffers between are full (well under a second here): it then holds the upstream for
    // several of its idle timeouts (300 ms), and the stream ends well inside the total timeout (6,000 ms) even on a busy machine
    String raw = slowRead(1_500);

    assertThat(raw).startsWith("HTTP/1.1 200");
    assertThat(raw).as("the stream ran to its end").contains("data: [DONE]").doesNotContain("timeout_idle");
    JsonObject receipt = lastReceipt();
    assertThat(receipt.getString("outcome")).isEqualTo("succeeded");
    assertThat(receipt.getJsonObject("usage").getString("source")).as("charged by the upstream's own usage")
        .isEqualTo("measured");
    assertThat(fragileHealth().getLong("consecutive_failures", 0L)).as("the channel took no failure")
        .isEqualTo(failuresBefore);
  }

  @Test
  void aClientStillNotReadingWhenTheTotalTimeoutRunsOutIsTooSlowNotAnUpstreamFailure() throws Exception {
    long failuresBefore = fragileHealth().getLong("consecutive_failures", 0L);

    // still not reading when the total timeout (6,000 ms) runs out
    String raw = slowRead(7_000);

    assertThat(raw).startsWith("HTTP/1.1 200");
    assertThat(raw).as("the stream ends with an error event naming the client").contains("client_too_slow")
        .doesNotContain("upstream_timeout");
    JsonObject receipt = lastReceipt();
    assertThat(receipt.getString("outcome")).isEqualTo("failed");
    assertThat(receipt.getString("error_code")).isEqualTo("client_too_slow");
    assertThat(receipt.getLong("charged_micros"))
        .as("what the upstream produced is paid").isPositive();
    assertThat(fragileHealth().getLong("consecutive_failures", 0L)).as("the channel took no failure")
        .isEqualTo(failuresBefore);
  }
}

package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RawHttp.Answer;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over the cap of open connections (4 here) or of connections from one address (2 here), a new connection is
 * answered in the OpenAI error shape and closed, while the connections already open keep being served. Clients
 * come from distinct loopback addresses (127.0.0.x), so each test knows who holds what.
 */
class ConnectionCapsTest {
  private static final String HEALTH = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

  @TempDir
  Path dir;
  GatewayFixture f;
  final List<Socket> open = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir, """
        max_connections: 4
        max_connections_per_address: 2
        """);
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket socket : open) {
      socket.close();
    }
    f.close();
  }

  @Test
  void refusesAThirdConnectionFromOneAddressWith429AndServesOthers() throws Exception {
    Socket first = served("127.0.0.2");
    Socket second = served("127.0.0.2");

    try (Socket third = RawHttp.connect(f.gateway.port(), "127.0.0.2")) {
      RawHttp.send(third, HEALTH);
      Answer answer = RawHttp.read(third);

      assertThat(answer.status()).isEqualTo(429);
      assertThat(answer.error().getString("code")).isEqualTo("too_many_connections_from_address");
      assertThat(answer.header("connection")).isEqualTo("close");
      assertThat(RawHttp.closesWithoutMore(third)).isTrue();
    }
    served("127.0.0.3");
    assertThat(exchange(first).status()).isEqualTo(200);
    assertThat(exchange(second).status()).isEqualTo(200);
  }

  @Test
  void refusesAConnectionOverTheTotalWith503AndServesTheOpenOnes() throws Exception {
    Socket first = served("127.0.0.4");
    served("127.0.0.4");
    served("127.0.0.5");
    Socket last = served("127.0.0.5");

    try (Socket over = RawHttp.connect(f.gateway.port(), "127.0.0.6")) {
      RawHttp.send(over, HEALTH);
      Answer answer = RawHttp.read(over);

      assertThat(answer.status()).isEqualTo(503);
      assertThat(answer.error().getString("code")).isEqualTo("too_many_connections");
      assertThat(RawHttp.closesWithoutMore(over)).isTrue();
    }
    assertThat(exchange(first).status()).isEqualTo(200);
    assertThat(exchange(last).status()).isEqualTo(200);
  }

  @Test
  void admitsANewConnectionOnceAnOpenOneCloses() throws Exception {
    Socket first = served("127.0.0.7");
    served("127.0.0.7");

    first.close();

    // the gateway learns of the close asynchronously: a later connection is admitted, within the read limit
    long deadline = System.currentTimeMillis() + RawHttp.READ_LIMIT_MS;
    int status;
    do {
      try (Socket next = RawHttp.connect(f.gateway.port(), "127.0.0.7")) {
        RawHttp.send(next, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        status = RawHttp.read(next).status();
      }
    } while (status != 200 && System.currentTimeMillis() < deadline);
    assertThat(status).isEqualTo(200);
  }

  /** A kept-alive connection from {@code address} that has been served once. */
  private Socket served(String address) throws IOException {
    Socket socket = RawHttp.connect(f.gateway.port(), address);
    open.add(socket);
    assertThat(exchange(socket).status()).as("served from " + address).isEqualTo(200);
    return socket;
  }

  private static Answer exchange(Socket socket) throws IOException {
    RawHttp.send(socket, HEALTH);
    return RawHttp.read(socket);
  }
}

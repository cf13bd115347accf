package io.tollgate.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay to a server (PostgreSQL here) that a test can cut: {@link #cut} closes the listening port and every
 * relayed connection, as a database that went away; {@link #resume} listens on the same port again.
 */
public final class TcpRelay implements AutoCloseable {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  private TcpRelay(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  public static TcpRelay start(Vertx vertx, String targetHost, int targetPort) throws Exception {
    TcpRelay relay = new TcpRelay(vertx, targetHost, targetPort);
    relay.listen(0);
    return relay;
  }

  public int port() {
    return port;
  }

  private void listen(int on) throws Exception {
    server = vertx.createNetServer().connectHandler(inbound -> {
      inbound.pause();
      open.add(inbound);
      client.connect(targetPort, targetHost).onComplete(connected -> {
        if (connected.failed()) {
          inbound.close();
          return;
        }
        NetSocket outbound = connected.result();
        open.add(outbound);
        inbound.handler(outbound::write);
        outbound.handler(inbound::write);
        inbound.closeHandler(v -> outbound.close());
        outbound.closeHandler(v -> inbound.close());
        inbound.resume();
      });
    });
    port = GatewayFixture.await(server.listen(on)).actualPort();
  }

  /** Stops accepting and closes every relayed connection: the server is unreachable from now on. */
  public void cut() throws Exception {
    GatewayFixture.await(server.close());
    for (NetSocket socket : open) {
      socket.close();
    }
    open.clear();
  }

  /** Accepts again on the same port. */
  public void resume() throws Exception {
    listen(port);
  }

  @Override
  public void close() throws Exception {
    cut();
    GatewayFixture.await(client.close());
  }
}

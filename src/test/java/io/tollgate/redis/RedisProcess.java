package io.tollgate.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server for one test class, on a free port, keeping nothing on disk: a test may stop it and start
 * it again (empty, as a restart leaves it) without touching the Redis other engineers use on 6379.
 */
public final class RedisProcess implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/redis-server");

  public final int port;
  private Process process;

  private RedisProcess(int port) {
    this.port = port;
  }

  /** Whether redis-server is installed; tests assume it. */
  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  public static String missing() {
    return BINARY + " is not installed (apt-get install redis-server): the Redis tests need a private redis-server";
  }

  public static RedisProcess start() throws IOException {
    RedisProcess redis = new RedisProcess(freePort());
    redis.startAgain();
    return redis;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again, on the same port), returning once it accepts connections. */
  public void startAgain() throws IOException {
    process = new ProcessBuilder(BINARY.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no")
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      seen.append(line).append('\n');
      if (line.contains("Ready to accept connections")) {
        // keep draining its output so it never blocks on a full pipe
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "redis-" + port + "-output");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IOException("redis-server on port " + port + " stopped before it was ready:\n" + seen);
  }

  /** Stops the server; what it held is gone (nothing is on disk). */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}

package io.tollgate.testing;

import io.tollgate.app.Gateway;
import io.tollgate.auth.AdminToken;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.ledger.Ledger;
import io.tollgate.config.ConfigLoader;
import io.tollgate.mock.MockUpstream;
import io.tollgate.proxy.Accounting;
import io.tollgate.store.Store;
import io.tollgate.tenants.Account;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.Tenants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway in-process: the scriptable upstream, the test configuration written to a temp directory,
 * a real SQLite file, an account with a project and a key, and the admin token.
 */
public final class GatewayFixture implements AutoCloseable {
  /** What the fixture's account starts with in each bucket: 1000 currency units. */
  public static final long STARTING_BALANCE_MICROS = 1_000_000_000L;

  public final Vertx vertx;
  public final MockUpstream upstream;
  public Store store;
  public Gateway gateway;
  public final Path configFile;
  public final Project project;
  public final String key;
  public final String adminToken;
  public final Map<String, String> env;
  public final Clock clock;
  private final String serverSettings;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private GatewayFixture(Vertx vertx, MockUpstream upstream, Store store, Gateway gateway, Path configFile,
      Project project, String key, String adminToken, Map<String, String> env, Clock clock, String serverSettings) {
    this.clock = clock;
    this.serverSettings = serverSettings;
    this.vertx = vertx;
    this.upstream = upstream;
    this.store = store;
    this.gateway = gateway;
    this.configFile = configFile;
    this.project = project;
    this.key = key;
    this.adminToken = adminToken;
    this.env = env;
  }

  public static GatewayFixture start(Path dir) throws Exception {
    return start(dir, Clock.systemUTC());
  }

  public static GatewayFixture start(Path dir, Clock clock) throws Exception {
    return start(dir, clock, "");
  }

  /**
   * Starts with {@code serverSettings} (YAML lines such as {@code "header_timeout_ms: 500"}) in the test
   * configuration's {@code server:} section, each replacing the line with the same key.
   */
  public static GatewayFixture start(Path dir, String serverSettings) throws Exception {
    return start(dir, Clock.systemUTC(), serverSettings);
  }

  private static GatewayFixture start(Path dir, Clock clock, String serverSettings) throws Exception {
    return start(dir, clock, serverSettings, () -> Store.open(dir.resolve("tollgate.db")));
  }

  /**
   * Starts on a PostgreSQL store ({@code url}, a schema of the test's own) as node {@code node}; restarts reopen it as
   * the same node, and {@link #peer} starts more gateways on it.
   */
  public static GatewayFixture startPostgres(Path dir, String url, String node) throws Exception {
    return startPostgres(dir, url, node, Clock.systemUTC());
  }

  /** {@link #startPostgres(Path, String, String)} with {@code clock}, which its peers share. */
  public static GatewayFixture startPostgres(Path dir, String url, String node, Clock clock) throws Exception {
    GatewayFixture f = start(dir, clock, "", () -> Postgres.open(url, node));
    f.opener = () -> Postgres.open(url, node);
    f.postgresUrl = url;
    return f;
  }

  /**
   * Another gateway process on this fixture's PostgreSQL database, as node {@code node}: its own Vert.x, store and
   * HTTP port, the same configuration, upstream, tenants and key. Closing it leaves the upstream to this fixture.
   */
  public GatewayFixture peer(String node) throws Exception {
    return peer(node, configFile);
  }

  /** {@link #peer(String)} serving its own configuration file, {@code peerConfig} (a copy of this one's, say). */
  public GatewayFixture peer(String node, Path peerConfig) throws Exception {
    return peer(node, peerConfig, clock);
  }

  /** {@link #peer(String, Path)} on a clock of its own, {@code peerClock} (another host's, say). */
  public GatewayFixture peer(String node, Path peerConfig, Clock peerClock) throws Exception {
    if (postgresUrl == null) {
      throw new IllegalStateException("peer: only a fixture on PostgreSQL (startPostgres) has peers");
    }
    Vertx peerVertx = io.tollgate.app.Gateway.newVertx();
    ConfigLoader loader = new ConfigLoader(env::get);
    Store peerStore = Postgres.open(postgresUrl, node);
    Gateway peerGateway = await(Gateway.start(peerVertx, new ConfigHolder(loader.load(peerConfig), loader), peerStore, 0, peerClock));
    GatewayFixture peer = new GatewayFixture(peerVertx, upstream, peerStore, peerGateway, peerConfig, project, key,
        adminToken, env, peerClock, serverSettings);
    peer.opener = () -> Postgres.open(postgresUrl, node);
    peer.postgresUrl = postgresUrl;
    peer.ownsUpstream = false;
    return peer;
  }

  /** How {@link #restart} reopens the store. */
  private java.util.function.Supplier<Store> opener;
  private String postgresUrl;
  private boolean ownsUpstream = true;

  private static GatewayFixture start(Path dir, Clock clock, String serverSettings,
      java.util.function.Supplier<Store> open) throws Exception {
    Vertx vertx = io.tollgate.app.Gateway.newVertx();
    MockUpstream upstream = await(MockUpstream.start(vertx, 0));
    Map<String, String> env = new HashMap<>();
    env.put("UPSTREAM", upstream.baseUrl());
    env.put("UPSTREAM_KEY", "test-upstream-credential");
    env.put("DEAD_UPSTREAM", "http://127.0.0.1:" + closedPort() + "/v1");
    Path configFile = dir.resolve("tollgate.yaml");
    Files.writeString(configFile, withServerSettings(resource("gateway-test.yaml"), serverSettings));
    ConfigLoader loader = new ConfigLoader(env::get);
    ConfigHolder config = new ConfigHolder(loader.load(configFile), loader);
    Store store = open.get();
    Tenants tenants = new Tenants(store, clock);
    Account account = tenants.createAccount("test");
    Project project = tenants.createProject(account.id(), "test-project");
    IssuedKey key = new Keys(store, clock).create(project.id(), "test-key", KeyScope.DEFAULT);
    String admin = AdminToken.rotate(store);
    Ledger ledger = new Ledger(io.tollgate.ledger.Accountant.of(store, clock));
    ledger.topUp(account.id(), Bucket.CREDIT, STARTING_BALANCE_MICROS, "fixture-credit", "test balance");
    ledger.topUp(account.id(), Bucket.RMB, STARTING_BALANCE_MICROS, "fixture-rmb", "test balance");
    Gateway gateway = await(Gateway.start(vertx, config, store, 0, clock));
    return new GatewayFixture(vertx, upstream, store, gateway, configFile, project, key.secret(), admin, env, clock,
        serverSettings);
  }

  /**
   * Stops the gateway and starts a new one on the same database file and configuration, as a restart would.
   * Requests in flight are cut off; recovery resolves whatever they left open.
   */
  public void restart() throws Exception {
    restart(Accounting.ON);
  }

  /** Restarts as {@link #restart()} does, with {@code accounting} on or off. */
  public void restart(Accounting accounting) throws Exception {
    await(gateway.stop());
    store.close();
    store = opener != null ? opener.get() : Store.open(configFile.getParent().resolve("tollgate.db"));
    ConfigLoader loader = new ConfigLoader(env::get);
    gateway = await(Gateway.start(vertx, new ConfigHolder(loader.load(configFile), loader), store, 0, clock, accounting));
  }

  /** Creates another key in the fixture's project with {@code scope}, returning its secret. */
  public String newKey(KeyScope scope) {
    return new Keys(store, clock).create(project.id(), "scoped", scope).secret();
  }

  /** Appends {@code yaml} (a {@code limits:} section) to the configuration file and reloads it. */
  public void configureLimits(String yaml) throws IOException {
    String base = withServerSettings(resource("gateway-test.yaml"), serverSettings);
    Files.writeString(configFile, base + "\n" + yaml);
    HttpResponse<String> reloaded = post("/admin/config/reload", "", admin());
    if (reloaded.statusCode() != 200) {
      throw new IllegalStateException("reload failed: " + reloaded.body());
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + gateway.port() + path;
  }

  public HttpResponse<String> post(String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    return send(withHeaders(request, headers));
  }

  public HttpResponse<String> get(String path, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20)).GET(), headers));
  }

  public HttpResponse<String> put(String path, String body, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)), headers));
  }

  public HttpResponse<String> delete(String path, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(20)).DELETE(), headers));
  }

  /** A chat request with the fixture's key. */
  public HttpResponse<String> chat(String body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "authorization";
    all[1] = "Bearer " + key;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return post("/v1/chat/completions", body, all);
  }

  /** A chat request with the fixture's key, sent without waiting for its answer (which may take up to {@code timeout}). */
  public java.util.concurrent.CompletableFuture<HttpResponse<String>> chatAsync(String body, Duration timeout, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
        .timeout(timeout)
        .header("authorization", "Bearer " + key)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    return http.sendAsync(withHeaders(request, headers).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Closes each fixture that started (a null one did not), the last started first. */
  public static void closeAll(GatewayFixture... fixtures) throws Exception {
    for (int i = fixtures.length - 1; i >= 0; i--) {
      if (fixtures[i] != null) {
        fixtures[i].close();
      }
    }
  }

  public String[] bearer() {
    return new String[] {"authorization", "Bearer " + key};
  }

  public String[] admin() {
    return new String[] {"authorization", "Bearer " + adminToken};
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static HttpRequest.Builder withHeaders(HttpRequest.Builder request, String... headers) {
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return request;
  }

  private static String withServerSettings(String yaml, String settings) {
    if (settings.isBlank()) {
      return yaml;
    }
    StringBuilder lines = new StringBuilder();
    String result = yaml;
    for (String line : settings.strip().split("\n")) {
      String key = line.strip().substring(0, line.strip().indexOf(':'));
      result = result.replaceAll("(?m)^  " + java.util.regex.Pattern.quote(key) + ":.*\n", "");
      lines.append("  ").append(line.strip()).append('\n');
    }
    return result.replaceFirst("(?m)^server:\n", "server:\n" + java.util.regex.Matcher.quoteReplacement(lines.toString()));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  public static String resource(String name) throws IOException {
    try (InputStream in = GatewayFixture.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException(name + " not found");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A port nothing listens on: bound once, then released. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Points every channel whose URL is {@code ${UPSTREAM}} at a server answering with {@code handler} (an upstream that
   * misbehaves in ways the mock does not script), and reloads; the server closes with the fixture.
   */
  public void replaceUpstream(io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> handler) throws Exception {
    scripted = await(vertx.createHttpServer().requestHandler(handler).listen(0));
    env.put("UPSTREAM", "http://127.0.0.1:" + scripted.actualPort() + "/v1");
    HttpResponse<String> reloaded = post("/admin/config/reload", "", admin());
    if (reloaded.statusCode() != 200) {
      throw new IllegalStateException("reload failed: " + reloaded.body());
    }
  }

  private io.vertx.core.http.HttpServer scripted;

  @Override
  public void close() throws Exception {
    if (scripted != null) {
      await(scripted.close());
    }
    await(gateway.stop());
    if (ownsUpstream) {
      await(upstream.close());
    }
    store.close();
    await(vertx.close());
  }
}

package io.tollgate.demo;

import io.tollgate.auth.AdminToken;
import io.tollgate.auth.ApiKey;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.KeySql;
import io.tollgate.auth.Keys;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.RouteType;
import io.tollgate.json.Ids;
import io.tollgate.ledger.Ledger;
import io.tollgate.limits.Limit;
import io.tollgate.limits.LimitSql;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import io.tollgate.mock.Counting;
import io.tollgate.mock.MockUpstream;
import io.tollgate.store.Store;
import io.tollgate.tenants.Account;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.Tenants;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prepares demo mode, on a database of its own that is marked as the demo's (the command line opens it; a real
 * gateway never serves it). The configuration is written beside that database once (so it can be edited and
 * reloaded) and resolved against the in-process simulated upstream. Each start issues a fresh demo key and
 * admin token and revokes the previous demo key, since only hashes are stored and an old key cannot be shown again.
 * The new key gets the demo's route x key limit (a tenant limit, so it lives in the database, not in the YAML);
 * the revoked key's limits go with it.
 */
public final class Demo {
  static final String ACCOUNT = "demo";
  static final String KEY_NAME = "demo-key";
  /** The model whose two routes tell the demo's story: a cheap routed route with a costlier backup, and an official one. */
  public static final String MODEL = "gpt-4o-mini";
  /** The demo key's daily cap on {@link #MODEL}'s routed route, whose backup costs more: 2 CNY from the RMB wallet. */
  static final long ROUTE_KEY_DAILY_CAP_MICROS = 2_000_000L;

  /** What the demo prepared; {@code database} is the demo's own. */
  public record Setup(ConfigHolder config, String key, String adminToken, MockUpstream upstream, Path database) {
    public String banner(int port) {
      String base = "http://127.0.0.1:" + port + "/v1";
      return String.join("\n",
          "",
          "Tollgate demo is running (demo database " + database.toAbsolutePath().normalize() + ", simulated upstream at "
              + upstream.baseUrl() + ").",
          "  Base URL:     " + base,
          "  API key:      " + key,
          "  Admin token:  " + adminToken,
          "",
          "Try it:",
          "  curl -s " + base + "/chat/completions \\",
          "    -H 'Authorization: Bearer " + key + "' -H 'Content-Type: application/json' \\",
          "    -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}'",
          "",
          "Each response carries x-tollgate-* headers; the full receipt is at " + base + "/receipts/<x-tollgate-request-id>.",
          "Balances: curl -s " + base + "/wallet -H 'Authorization: Bearer " + key + "'",
          "",
          "Take the tour (a fallback to a costlier backup, its receipt, a route's daily cap refusing, spend per route):",
          "  ./tollgate demo tour --url http://127.0.0.1:" + port + " --key " + key,
          "");
    }
  }

  private Demo() {}

  /** The demo's configuration file, beside its database. */
  public static Path configFile(Path database) {
    return database.toAbsolutePath().getParent().resolve("tollgate-demo.yaml");
  }

  /** Prepares the demo on {@code store}, which must be the demo's own ({@link Store#isDemo()}). */
  public static Setup prepare(Vertx vertx, Store store, Clock clock) throws Exception {
    if (!store.isDemo()) {
      throw new IllegalArgumentException("store: " + store.file() + " (expected: the demo's own database, marked as one)");
    }
    MockUpstream upstream = MockUpstream.start(vertx, 0, Counting.TOKENIZER).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Path file = configFile(store.file());
    if (!Files.exists(file)) {
      Files.write(file, resource("demo/tollgate-demo.yaml"));
    }
    Map<String, String> variables = Map.of(
        "TOLLGATE_DEMO_UPSTREAM", upstream.baseUrl(),
        "TOLLGATE_DEMO_UPSTREAM_KEY", "demo-upstream-credential");
    ConfigLoader loader = new ConfigLoader(name -> variables.containsKey(name) ? variables.get(name) : System.getenv(name));
    ConfigHolder config = new ConfigHolder(loader.load(file), loader);
    Project project = demoProject(new Tenants(store, clock));
    Keys keys = new Keys(store, clock);
    for (ApiKey old : store.read(c -> KeySql.list(c, project.id()))) {
      if (!old.revoked() && old.name().equals(KEY_NAME)) {
        keys.revoke(old.id());
        forgetLimits(store, old.id());
      }
    }
    IssuedKey key = keys.create(project.id(), KEY_NAME, KeyScope.DEFAULT);
    long nowMs = clock.millis();
    store.writeNow(c -> LimitSql.upsert(c, routeKeyLimit(key.key().id(), nowMs), nowMs));
    Ledger ledger = new Ledger(io.tollgate.ledger.Accountant.of(store, clock));
    // one-time starting balances; the idempotency keys make a restart top up nothing
    ledger.topUp(project.accountId(), Bucket.CREDIT, 20_000_000L, "demo-initial-credit", "demo starting Credit");
    ledger.topUp(project.accountId(), Bucket.RMB, 100_000_000L, "demo-initial-rmb", "demo starting RMB wallet");
    return new Setup(config, key.secret(), AdminToken.rotate(store), upstream, store.file());
  }

  /** The demo key's cap on the routed route of {@link #MODEL}, set as the operator would with {@code tollgate limits set}. */
  static Limit routeKeyLimit(String keyId, long nowMs) {
    return new Limit(Ids.next("lim", nowMs), Scope.ROUTE_KEY, keyId, MODEL, RouteType.ROUTED, null, Metric.SPEND,
        Bucket.RMB, Window.DAY, ROUTE_KEY_DAILY_CAP_MICROS, false, "admin");
  }

  /** Deletes the stored limits of a revoked demo key, so that the limits listed are the live key's. */
  private static void forgetLimits(Store store, String keyId) {
    store.writeNow(c -> {
      for (Limit limit : LimitSql.all(c)) {
        if (keyId.equals(limit.subject())) {
          LimitSql.delete(c, limit.id());
        }
      }
      return null;
    });
  }

  private static Project demoProject(Tenants tenants) {
    Account account = tenants.accounts().stream().filter(a -> a.name().equals(ACCOUNT)).findFirst()
        .orElseGet(() -> tenants.createAccount(ACCOUNT));
    return tenants.projects(account.id()).stream().findFirst()
        .orElseGet(() -> tenants.createProject(account.id(), "demo"));
  }

  private static byte[] resource(String name) {
    try (InputStream in = Demo.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

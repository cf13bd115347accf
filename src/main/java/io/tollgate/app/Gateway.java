package io.tollgate.app;

import io.tollgate.admin.AdminApi;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.auth.KeyPrefixes;
import io.tollgate.auth.Keys;
import io.tollgate.catalog.ModelsHandler;
import io.tollgate.config.ConfigHolder;
import io.tollgate.console.ConsoleRoutes;
import io.tollgate.http.Connections;
import io.tollgate.http.HttpVerticle;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.AdminMoney;
import io.tollgate.ledger.Billing;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.RedeemCodes;
import io.tollgate.ledger.WalletApi;
import io.tollgate.limits.Limits;
import io.tollgate.catalog.RoutesHandler;
import io.tollgate.health.ChannelsAdmin;
import io.tollgate.health.HealthRegistry;
import io.tollgate.pricing.OutputStats;
import io.tollgate.pricing.OutputStatsSql;
import io.tollgate.pricing.Overruns;
import io.tollgate.alerts.BudgetAlerts;
import io.tollgate.quote.QuoteHandler;
import io.tollgate.catalog.CatalogHandler;
import io.tollgate.limits.LimitsApi;
import io.tollgate.logs.AccessLog;
import io.tollgate.metrics.GatewayMetrics;
import io.tollgate.pricing.PriceVersions;
import io.tollgate.proxy.Accounting;
import io.tollgate.proxy.ProxyHandler;
import io.tollgate.receipts.ReceiptsHandler;
import io.tollgate.redis.CoreSource;
import io.tollgate.redis.RedisCounters;
import io.tollgate.research.ResearchApi;
import io.tollgate.store.Store;
import io.tollgate.store.StoreAccess;
import io.tollgate.tenants.Tenants;
import io.tollgate.users.Users;
import io.tollgate.users.UsersAdmin;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.ThreadingModel;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running gateway: the store, the configuration and the HTTP server, wired by hand. */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  private final Vertx vertx;
  private final Store store;
  private final StoreAccess storeAccess;
  private final ConfigHolder config;
  private final ProxyHandler proxy;
  private final GatewayMetrics metrics;
  private final Accountant accountant;
  /** The counters shared with other gateway processes in Redis; null without {@code redis:}. */
  private RedisCounters shared;
  private final int port;
  private static final long SWEEP_INTERVAL_MS = 30_000;
  private String deploymentId;
  private long sweeper = -1;
  private long projector = -1;
  /** What the quotes measured of each model's answers, kept in the store every sweep and at a stop. */
  private OutputStats outputs;
  private long limitsReader = -1;
  /** How often a gateway sharing its store re-reads what other processes may change: stored limits, the admin token. */
  private static final long SHARED_LIMITS_REREAD_MS = 1_000;
  /** How often the journal's projections catch up when nothing else made them. */
  private static final long PROJECT_INTERVAL_MS = 200;

  private Gateway(Vertx vertx, Store store, StoreAccess storeAccess, ConfigHolder config, ProxyHandler proxy,
      GatewayMetrics metrics, Accountant accountant, int port) {
    this.accountant = accountant;
    this.vertx = vertx;
    this.store = store;
    this.storeAccess = storeAccess;
    this.config = config;
    this.proxy = proxy;
    this.metrics = metrics;
    this.port = port;
  }

  /**
   * The Vert.x instance a gateway runs on: Linux's native epoll transport where it loads (fewer system calls
   * per request than the JDK's selector), the JDK's elsewhere.
   */
  public static Vertx newVertx() {
    return Vertx.vertx(new io.vertx.core.VertxOptions().setPreferNativeTransport(true));
  }

  /**
   * Starts serving {@code config} from {@code store}.
   *
   * @param port the port to listen on; 0 picks a free one
   */
  public static Future<Gateway> start(Vertx vertx, ConfigHolder config, Store store, int port, Clock clock) {
    return start(vertx, config, store, port, clock, Accounting.ON);
  }

  /**
   * Starts serving, with {@code accounting} {@link Accounting#OFF} only to measure what accounting costs: requests
   * are then served without holds, limits, charges or receipts.
   */
  public static Future<Gateway> start(Vertx vertx, ConfigHolder config, Store store, int port, Clock clock,
      Accounting accounting) {
    int chosen = port == 0 ? freePort() : port;
    StoreAccess access = new StoreAccess(vertx, store);
    KeyPrefixes prefixes = new KeyPrefixes(access);
    AccessLog accessLog = new AccessLog(prefixes);
    // the accounting core is restored from the journal (a database older than it is migrated first); holds left
    // open by an earlier stop are then resolved before the first request, by the rule in docs/billing.md: the store
    // is this process's alone (Store.open locks the file), so none of them belongs to a live gateway. On a shared
    // store (PostgreSQL) only this node's own holds are resolved here; the others' end by their expiry (scale-out.md)
    store.sync(config.current().storeSync().pragma());
    config.beforeSwap(c -> store.sync(c.storeSync().pragma()));
    Accountant accountant = Accountant.of(store, clock);
    // with redis: the counters other processes share: every posting, void and movement journaled from here on
    // (recovery's voids first) follows to Redis, and a Redis that lacks this journal's state is rebuilt from it
    RedisCounters shared = config.current().redis() == null ? null
        : RedisCounters.open(vertx, config.current().redis(), store.file() != null
            ? new CoreSource(access, accountant, store.file())
            // one journal shared by every process: one source, the same name in each
            : new CoreSource(access, accountant, "postgres-" + store.describe()), clock);
    Future<Void> sharedReady = Future.succeededFuture();
    if (shared != null) {
      accountant.onCommitted(shared::committed);
      config.beforeSwap(c -> {
        if (!config.current().redis().equals(c.redis())) {
          LOG.warn("redis: is read at start: the reloaded one ({}) waits for a restart; {} still serves", c.redis(),
              config.current().redis().url());
        }
      });
      sharedReady = shared.start().recover(e -> {
        LOG.warn("Redis at {} cannot be reached at start: serving, and admitting nothing (503 accounting_unavailable)"
            + " until it can: {}", config.current().redis().url(), e.getMessage());
        return Future.succeededFuture();
      });
    }
    HoldRecovery.recoverAll(store, accountant, clock.millis(), accessLog);
    if (store.shared()) {
      // Idempotency-Key claims this node held before it stopped: their requests are gone with it
      store.writeNow(c -> ProxyHandler.forgetClaims(c, clock.millis(), store.node()));
    }
    // research runs live in the process that started them: none survives a stop, so neither do their envelopes
    store.writeNow(accountant.forgetCounters(Limits::ofAnyRun));
    Limits limits = new Limits(store, clock, accountant::counter);
    HealthRegistry health = new HealthRegistry(clock);
    OutputStats outputs = new OutputStats();
    store.read(c -> {
      OutputStatsSql.load(c, outputs);
      return null;
    });
    Overruns overruns = new Overruns();
    limits.load();
    // a run's envelope counters outlive it only until it ends (a counter a hold still holds on is kept, see the core)
    limits.onRunEnded(runId -> access.write(accountant.forgetCounters(key -> Limits.ofRun(key, runId)))
        .onFailure(e -> LOG.warn("could not forget the counters of run {}: {}", runId, e.getMessage())));
    PriceVersions priceVersions = new PriceVersions(store);
    config.beforeSwap(c -> priceVersions.register(c, clock.millis()));
    KeyAuthenticator auth = new KeyAuthenticator(access, clock, prefixes);
    Keys keys = new Keys(store, clock);
    Tenants tenants = new Tenants(store, clock);
    Ledger ledger = new Ledger(accountant);
    RedeemCodes codes = new RedeemCodes(accountant);
    GatewayMetrics metrics = new GatewayMetrics(store);
    metrics.journalLag(accountant::behind);
    metrics.projectionPasses(() -> accountant.projectionPasses()[0], () -> accountant.projectionPasses()[1],
        () -> accountant.projectionPasses()[2]);
    ProxyHandler proxy = new ProxyHandler(vertx, config, auth, new Billing(access, accountant, accessLog, shared), limits, health,
        outputs, overruns, priceVersions, access, clock, accounting, metrics, new BudgetAlerts(vertx, clock));
    ReceiptsHandler receipts = new ReceiptsHandler(auth, access, () -> config.current().timeZone(), clock);
    ModelsHandler models = new ModelsHandler(config, auth, clock.millis() / 1000);
    AdminApi admin = new AdminApi(vertx, store, tenants, keys, auth, config, receipts, clock);
    QuoteHandler quotes = new QuoteHandler(vertx, config, auth, accountant, limits, health, outputs, overruns);
    ResearchApi research = new ResearchApi(vertx, config, auth, quotes, accountant, limits, clock, chosen);
    Users users = new Users(store, clock);
    ConsoleRoutes console = new ConsoleRoutes(vertx, access, users, keys, auth, tenants, config, chosen, clock);
    admin.acceptDelegated(console::operatorCredential);
    console.adminToken(admin::tokenFingerprint);
    if (store.shared()) {
      // another gateway may rotate the admin token: admin calls and operator pages read its hash first
      admin.sharedStore(access);
      console.adminTokenRefresh(admin::freshToken);
    }
    HttpVerticle.Routes routes = new HttpVerticle.Routes(config, store, proxy, models, receipts,
        new RoutesHandler(config, auth, health), new WalletApi(vertx, auth, ledger, codes),
        new LimitsApi(vertx, store, limits, auth, config, clock), admin, new AdminMoney(vertx, ledger, codes, store, clock),
        new ChannelsAdmin(config, health), quotes, new CatalogHandler(config, auth, health), metrics, router -> {
          research.mount(router);
          new UsersAdmin(vertx, users, console::endSessionsOf).mount(router);
          console.mount(router);
        });
    Gateway gateway = new Gateway(vertx, store, access, config, proxy, metrics, accountant, chosen);
    gateway.outputs = outputs;
    gateway.shared = shared;
    gateway.sweeper = vertx.setPeriodic(SWEEP_INTERVAL_MS, id -> {
      access.write(c -> {
        ProxyHandler.expireIdempotency(c, clock.millis(), store.shared());
        HoldRecovery.Resolved expired = HoldRecovery.expire(accountant, clock.millis()).run(c);
        accountant.forgetCounters(limits.endedLongAgo()).run(c);
        OutputStatsSql.save(c, outputs);
        return expired;
      }).onSuccess(expired -> expired.receipts().forEach(accessLog::recorded));
      gateway.sweepShared(clock.millis());
    });
    // projections follow the journal off the request path: in batches as it grows, and at least this often
    // on a shared store this is also when the core reads the other processes' events while this one is idle
    gateway.projector = vertx.setPeriodic(PROJECT_INTERVAL_MS, id -> {
      if (accountant.behind() > 0 || accountant.shared()) {
        // on a shared store, in a transaction that does not hold the journal's lock
        io.vertx.core.Future.fromCompletionStage(accountant.follow(), vertx.getOrCreateContext()).onFailure(e -> {
          if (io.tollgate.store.StoreException.unreachable(e)) {
            // the writer says so once per outage; requests meanwhile get 503 accounting_unavailable
            LOG.debug("the journal's projections wait for the database: {}", e.getMessage());
          } else {
            LOG.error("the journal's projections could not catch up ({} events behind); reads wait for them: {}",
                accountant.behind(), e.getMessage(), e);
          }
        });
      }
    });
    if (store.shared()) {
      // other processes change stored limits too: read them again every second, as a revoked key is (KeyAuthenticator);
      // and a configuration reload asked of any process reaches this one on the same tick (the admin token's hash,
      // which another gateway may rotate, is read before each admin call and operator page: AdminApi.freshToken)
      ClusterReload reload = ClusterReload.start(store, access, config, metrics);
      gateway.limitsReader = vertx.setPeriodic(SHARED_LIMITS_REREAD_MS, id -> {
        vertx.executeBlocking(() -> {
          limits.refreshDefinitions();
          return null;
        }, false).onFailure(e -> LOG.debug("stored limits not re-read: {}", e.getMessage()));
        vertx.executeBlocking(() -> {
          reload.poll();
          return null;
        }, false).onFailure(e -> LOG.debug("the configuration generation not read: {}", e.getMessage()));
      });
    }
    Connections connections = Connections.create(config.current().serverLimits(), clock);
    config.beforeSwap(c -> {
      if (!c.serverLimits().equals(connections.limits())) {
        LOG.warn("server timeouts and connection caps apply at start: the reloaded ones ({}) wait for a restart;"
            + " {} still apply", c.serverLimits(), connections.limits());
      }
    });
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    return sharedReady.compose(ready -> vertx.deployVerticle(() -> new HttpVerticle(routes, chosen, connections),
            new DeploymentOptions().setInstances(instances).setThreadingModel(ThreadingModel.EVENT_LOOP))
        .map(id -> {
          gateway.deploymentId = id;
          return gateway;
        }));
  }

  /**
   * Releases from Redis the holds whose expiry passed, whichever process took them: a dead process's holds stop
   * counting against the limits and wallets every process shares. Nothing without {@code redis:}.
   */
  public Future<List<String>> sweepShared(long nowMs) {
    if (shared == null) {
      return Future.succeededFuture(List.of());
    }
    return shared.sweep(nowMs).onFailure(e -> LOG.debug("the Redis hold sweep failed: {}", e.getMessage()));
  }

  /** The counters shared with other processes in Redis; null without {@code redis:}. */
  public RedisCounters shared() {
    return shared;
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port + "/v1";
  }

  public Store store() {
    return store;
  }

  public ConfigHolder config() {
    return config;
  }

  /** Stops serving; the store is closed by whoever opened it. */
  public Future<Void> stop() {
    vertx.cancelTimer(sweeper);
    vertx.cancelTimer(projector);
    vertx.cancelTimer(limitsReader);
    Future<Void> undeployed = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    // the projections catch up before the store is handed back: a verify after a stop sees them whole
    return undeployed.compose(v -> proxy.close())
        .compose(v -> store.isOpen() ? storeAccess.write(c -> {
          OutputStatsSql.save(c, outputs);
          return accountant.projection().run(c);
        }).<Void>mapEmpty().recover(e -> {
          LOG.warn("the journal's projections could not catch up at stop; the next start applies them: {}", e.getMessage());
          return Future.succeededFuture();
        }) : Future.<Void>succeededFuture())
        // what this process journaled reaches Redis before it goes, when Redis answers within a few seconds
        .compose(v -> shared == null ? Future.<Void>succeededFuture() : shared.drained()
            .timeout(5, java.util.concurrent.TimeUnit.SECONDS)
            .transform(drained -> shared.close())
            .recover(e -> Future.succeededFuture()))
        .andThen(v -> {
      try {
        storeAccess.close();
      } finally {
        metrics.close();
      }
    });
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }
}

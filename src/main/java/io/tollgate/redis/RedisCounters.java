package io.tollgate.redis;

import io.tollgate.config.RedisConfig;
import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.CounterDelta;
import io.tollgate.ledger.core.CountersUnavailable;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.core.OverdraftSet;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.ledger.core.Voided;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared counters in Redis ({@code redis:} in the configuration): admission reserves a hold's claims here after
 * the local core took the hold, and every posting, void and movement this process journals follows, in journal order.
 *
 * <p>Keys, under the configured prefix P: {@code P epoch} (a hash: the epoch's id, and per source the journal seq its
 * rebuild stood at), {@code P c:<counter>} (a hash: {@code spent}, {@code held}, and for a wallet {@code cap}),
 * {@code P h:<hold id>} (a hash: its claims and expiry) and {@code P holds} (hold ids by expiry).
 *
 * <p>Redis keeps nothing on disk here, so a restart empties it: the epoch is gone, every script answers "rebuild",
 * admission fails closed, and this process adds its source's state again ({@link RebuildSource}) before it admits.
 * Pushes of events the rebuild already carried are recognised by their seq and skipped, so nothing counts twice.
 * While Redis cannot be reached, admission fails closed and pushes wait, in order, and are retried.
 */
public final class RedisCounters implements SharedCounters {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCounters.class);
  /** Lua numbers are doubles: caps beyond 2^53 micro-units (9 billion units) are held at it, which is no cap. */
  static final long MAX_EXACT = 1L << 53;
  private static final int SWEEP_BATCH = 500;

  private final Redis redis;
  private final RedisConfig config;
  private final RebuildSource source;
  private final Clock clock;
  private final Context context;
  private final RedisKeys keys;
  private final Script reserve = Script.load("reserve");
  private final Script settle = Script.load("settle");
  private final Script sweep = Script.load("sweep");
  private final Script raise = Script.load("raise");
  private final Script rebuild = Script.load("rebuild");

  /** Pushes and rebuilds in journal order; while one waits for a retry, Redis is behind and nothing is admitted. */
  private final OrderedSteps steps;
  private volatile boolean rebuildQueued;
  private volatile boolean reachable = true;
  /** Each wallet's overdraft as last pushed, to push an overdraft change as the move of its cap; by one step at a time. */
  private final Map<String, Long> overdrafts = new java.util.concurrent.ConcurrentHashMap<>();
  private long timer = -1;

  private RedisCounters(Vertx vertx, RedisConfig config, RebuildSource source, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.context = vertx.getOrCreateContext();
    this.keys = new RedisKeys(config.keyPrefix());
    this.steps = new OrderedSteps(context, Math.min(250, config.checkIntervalMs()), this::reachable);
    RedisOptions options = new RedisOptions()
        .setConnectionString(config.url().toString())
        .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) config.connectTimeoutMs()).setTcpNoDelay(true))
        .setMaxPoolSize(16)
        .setMaxPoolWaiting(100_000)
        .setMaxWaitingHandlers(100_000);
    this.redis = Redis.createClient(vertx, options);
  }

  /**
   * Connects to the counters of {@code config} for {@code source}, rebuilding them first when Redis lacks this
   * source's state, and checks them every {@code check_interval_ms} from then on. The future fails when Redis cannot
   * be reached; the gateway then starts anyway and admits nothing until it can ({@code accounting_unavailable}).
   */
  public static RedisCounters open(Vertx vertx, RedisConfig config, RebuildSource source, Clock clock) {
    RedisCounters counters = new RedisCounters(vertx, config, source, clock);
    counters.timer = vertx.setPeriodic(config.checkIntervalMs(), id -> counters.check());
    return counters;
  }

  /** Rebuilds now when Redis lacks this source's state; primes what pushes need otherwise. Completes when done. */
  public Future<Void> start() {
    Future<Void> started = Future.future(p -> context.runOnContext(v -> {
      rebuildQueued = true;
      steps.run(this::rebuildIfMissing).onComplete(done -> p.handle(done.mapEmpty()));
    }));
    return started;
  }

  /** Completes once every step queued before it (pushes of committed events, rebuilds) has run. */
  public Future<Void> drained() {
    return steps.run(() -> Future.succeededFuture()).mapEmpty();
  }

  // ---- admission -----------------------------------------------------------------------------------------------

  @Override
  public CompletionStage<Taken> reserveAll(List<CounterClaim> claims, Hold taken) {
    if (rebuildQueued) {
      return this.<Taken>unavailable("Redis is being rebuilt from the journal", null).toCompletionStage();
    }
    if (steps.behind()) {
      return this.<Taken>unavailable("Redis is behind this gateway's journal (updates wait for it)", null).toCompletionStage();
    }
    List<String> named = new ArrayList<>(claims.size() + 3);
    named.add(keys.epoch());
    named.add(keys.holds());
    named.add(keys.hold(taken.id()));
    List<String> args = new ArrayList<>(claims.size() * 3 + 4);
    args.add(source.id());
    args.add(Long.toString(taken.seq()));
    args.add(taken.id());
    args.add(Long.toString(sweepAfterMs(taken)));
    long nowMs = clock.millis();
    for (CounterClaim claim : claims) {
      named.add(keys.counter(claim.counter()));
      args.add(Long.toString(claim.amount()));
      args.add(Long.toString(claim.cap() == STORED_CAP ? STORED_CAP : Math.min(claim.cap(), MAX_EXACT)));
      args.add(Long.toString(ttlMs(claim.counter(), nowMs)));
    }
    return reserve.run(redis, named, args)
        .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .transform(done -> {
          if (done.failed()) {
            return unavailable("Redis cannot be reached (" + done.cause().getMessage() + ")", done.cause());
          }
          reachable(true);
          Response r = done.result();
          return switch (r.get(0).toString()) {
            case "taken" -> Future.succeededFuture(Taken.ALL);
            case "refused" -> Future.succeededFuture(new Taken(claims.get(r.get(1).toInteger()), r.get(2).toLong(),
                r.get(3).toLong(), r.get(4).toLong()));
            case "rebuild" -> {
              requestRebuild();
              yield unavailable("Redis lost its counters (a restart) and is being rebuilt from the journal", null);
            }
            default -> unavailable("Redis was rebuilt while the hold was being taken", null);
          };
        })
        .toCompletionStage();
  }

  private <T> Future<T> unavailable(String why, Throwable cause) {
    if (cause != null) {
      reachable(false);
    }
    return Future.failedFuture(new CountersUnavailable(why, config.retryAfterSeconds(), cause));
  }

  private void reachable(boolean now) {
    if (reachable != now) {
      reachable = now;
      if (now) {
        LOG.info("Redis at {} answers again", config.url().getHost() + ":" + config.url().getPort());
      } else {
        LOG.warn("Redis at {} cannot be reached: admission fails closed (503 accounting_unavailable) until it can",
            config.url().getHost() + ":" + config.url().getPort());
      }
    }
  }

  /** When another process may release {@code hold} from Redis: its own expiry, plus the configured grace. */
  private long sweepAfterMs(Hold hold) {
    return hold.expiresAtMs() + config.holdGraceMs();
  }

  // ---- what the journal did ------------------------------------------------------------------------------------

  /** Takes the events a commit made durable, in order; from the store's writer thread. Never blocks. */
  public void committed(List<LedgerEvent> events) {
    for (LedgerEvent event : events) {
      if (!(event instanceof Hold)) {
        steps.add(() -> push(event));
      }
    }
  }

  private Future<?> push(LedgerEvent event) {
    if (event instanceof Posting p) {
      List<String> used = new ArrayList<>();
      long nowMs = clock.millis();
      for (CounterDelta d : p.counters()) {
        used.add(d.counter());
        used.add(Long.toString(d.used()));
        used.add(Long.toString(ttlMs(d.counter(), nowMs)));
      }
      used.add(SharedCounters.walletCounter(p.accountId(), p.bucket()));
      used.add(Long.toString(p.chargedMicros()));
      used.add("0");
      return end(p.seq(), p.holdId(), used);
    }
    if (event instanceof Voided v) {
      return end(v.seq(), v.holdId(), List.of());
    }
    if (event instanceof Movement m) {
      return move(m.seq(), SharedCounters.walletCounter(m.accountId(), m.bucket()), m.signedMicros());
    }
    if (event instanceof OverdraftSet o) {
      String wallet = SharedCounters.walletCounter(o.accountId(), o.bucket());
      Long before = overdrafts.put(wallet, o.overdraftMicros());
      return move(o.seq(), wallet, o.overdraftMicros() - (before == null ? 0 : before));
    }
    return Future.succeededFuture();
  }

  /** Settles or voids a hold in Redis; {@code used} is (counter, used, ttl) triples, empty for a void. */
  private Future<?> end(long seq, String holdId, List<String> used) {
    List<String> named = new ArrayList<>(List.of(keys.epoch(), keys.holds(), keys.hold(holdId)));
    List<String> args = new ArrayList<>(List.of(source.id(), Long.toString(seq), holdId));
    for (int i = 0; i < used.size(); i += 3) {
      named.add(keys.counter(used.get(i)));
      args.add(used.get(i + 1));
      args.add(used.get(i + 2));
    }
    return settle.run(redis, named, args).timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .map(r -> answered(r.toString()));
  }

  private Future<?> move(long seq, String wallet, long deltaMicros) {
    return raise.run(redis, List.of(keys.epoch(), keys.counter(wallet)), List.of(source.id(), Long.toString(seq),
        Long.toString(deltaMicros))).timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS).map(r -> answered(r.toString()));
  }

  private String answered(String answer) {
    if ("rebuild".equals(answer)) {
      // the rebuild reads the journal after this event's commit, so it carries the event
      requestRebuild();
    }
    return answer;
  }

  // ---- rebuild, checks, sweeps -----------------------------------------------------------------------------------

  /** Queues a rebuild, once: admission fails closed until it has run. */
  void requestRebuild() {
    if (!rebuildQueued) {
      rebuildQueued = true;
      LOG.warn("Redis lacks the counters of {}: rebuilding them from the journal; admission waits", source.id());
      steps.run(this::rebuildIfMissing);
    }
  }

  /** Adds this source's state to Redis unless the epoch already has it. */
  private Future<String> rebuildIfMissing() {
    return redis.send(Request.cmd(Command.HGET).arg(keys.epoch()).arg("src:" + source.id()))
        .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .compose(seq -> seq != null ? primed() : source.snapshot().compose(this::rebuildFrom))
        .onSuccess(answer -> rebuildQueued = false);
  }

  /** This source's state is in Redis already: only the overdrafts pushes move caps from are read. */
  private Future<String> primed() {
    return source.snapshot().map(snapshot -> {
      overdrafts.clear();
      snapshot.wallets().forEach(w -> overdrafts.put(SharedCounters.walletCounter(w.accountId(), w.bucket()), w.overdraftMicros()));
      return "present";
    });
  }

  private Future<String> rebuildFrom(Snapshot snapshot) {
    long nowMs = clock.millis();
    RebuildState state = RebuildState.of(snapshot, keys, counter -> ttlMs(counter, nowMs), this::sweepAfterMs);
    return rebuild.run(redis, List.of(keys.epoch(), keys.holds()), List.of(source.id(), Long.toString(snapshot.seq()),
            UUID.randomUUID().toString(), config.keyPrefix(), state.json()))
        .timeout(Math.max(config.commandTimeoutMs(), 10_000), TimeUnit.MILLISECONDS)
        .map(r -> {
          overdrafts.clear();
          overdrafts.putAll(state.overdrafts());
          LOG.info("Redis counters of {}: {} at journal seq {} ({} counters, {} wallets, {} open holds)", source.id(),
              r.toString(), snapshot.seq(), state.counters(), state.wallets(), state.holds());
          return r.toString();
        });
  }

  /** Periodically: is this source's state still in Redis? A restart empties it; then it is rebuilt. */
  private void check() {
    steps.kick();
    if (rebuildQueued) {
      return;
    }
    redis.send(Request.cmd(Command.HGET).arg(keys.epoch()).arg("src:" + source.id()))
        .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .onSuccess(seq -> {
          reachable(true);
          if (seq == null) {
            requestRebuild();
          }
        })
        .onFailure(e -> reachable(false));
  }

  /**
   * Releases from Redis every hold whose expiry (plus the grace) passed before {@code nowMs}, whichever process took
   * it: the holds of a dead process. Idempotent. Returns the ids released.
   */
  public Future<List<String>> sweep(long nowMs) {
    return sweep.run(redis, List.of(keys.holds()), List.of(Long.toString(nowMs), Integer.toString(SWEEP_BATCH),
            keys.holdPrefix()))
        .timeout(config.commandTimeoutMs(), TimeUnit.MILLISECONDS)
        .map(r -> {
          List<String> ids = new ArrayList<>();
          r.forEach(id -> ids.add(id.toString()));
          if (!ids.isEmpty()) {
            LOG.warn("released {} expired hold(s) from Redis, left by a gateway that did not end them: {}", ids.size(),
                String.join(", ", ids.subList(0, Math.min(20, ids.size()))));
          }
          return ids;
        });
  }

  // ---- reading, for operators and tests ------------------------------------------------------------------------

  /** A counter as Redis holds it: {@code spent}, {@code held} and {@code cap} (zeros when absent). */
  public Future<long[]> counter(String counter) {
    return redis.send(Request.cmd(Command.HMGET).arg(keys.counter(counter)).arg("spent").arg("held").arg("cap"))
        .map(r -> new long[] {number(r.get(0)), number(r.get(1)), number(r.get(2))});
  }

  /** Whether Redis holds {@code holdId} open. */
  public Future<Boolean> holdOpen(String holdId) {
    return redis.send(Request.cmd(Command.EXISTS).arg(keys.hold(holdId))).map(r -> r.toInteger() == 1);
  }

  /** Whether admission may ask Redis now (no rebuild queued, no update waiting). */
  public boolean ready() {
    return !rebuildQueued && !steps.behind();
  }

  public String sourceId() {
    return source.id();
  }

  public Future<Void> close() {
    context.owner().cancelTimer(timer);
    return redis.close();
  }

  private static long number(Response r) {
    return r == null ? 0 : r.toLong();
  }

  private long ttlMs(String counter, long nowMs) {
    return SharedCounters.isWallet(counter) ? CounterExpiry.NEVER
        : CounterExpiry.ttlMs(counter, java.time.Instant.ofEpochMilli(nowMs));
  }
}

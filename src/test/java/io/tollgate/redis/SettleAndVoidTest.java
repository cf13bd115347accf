package io.tollgate.redis;

import static io.tollgate.redis.Counters.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.CounterDelta;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.ledger.core.Voided;
import io.tollgate.limits.Metric;
import io.tollgate.testing.MutableClock;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A hold ends in Redis exactly once, however often its posting or void arrives; an expired one is swept once. */
class SettleAndVoidTest {
  private static final String LIMIT = "route-key-spend|key_1|all";
  private static final String WALLET = SharedCounters.walletCounter("acct", Bucket.RMB);
  static RedisProcess redis;
  static Vertx vertx;
  private static int prefixes;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));
  RedisCounters counters;

  @BeforeAll
  static void startRedis() throws Exception {
    assumeTrue(RedisProcess.installed(), RedisProcess.missing());
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (vertx != null) {
      await(vertx.close());
    }
    if (redis != null) {
      redis.close();
    }
  }

  @BeforeEach
  void open() throws Exception {
    counters = Counters.open(vertx, redis, "settle" + ++prefixes + ":", "gateway-a", clock);
    counters.committed(List.of(new Movement(1, "topup", Movement.Kind.TOPUP, "acct", Bucket.RMB, 1_000, List.of())));
    await(counters.drained());
  }

  @AfterEach
  void close() throws Exception {
    await(counters.close());
  }

  @Test
  void aPostingCountsOnceHoweverOftenItArrives() throws Exception {
    Hold hold = reserve(2, "h1", 300);
    Posting posting = new Posting(3, "h1", "r1", "acct", Bucket.RMB, 300, 120, 120, 1_000, List.of(),
        List.of(new CounterDelta(LIMIT, 300, 120)));

    counters.committed(List.of(posting));
    counters.committed(List.of(posting));
    counters.committed(List.of(new Voided(4, "h1", "r1", "acct", Bucket.RMB, 300, "failed_attempt",
        List.of(new CounterDelta(LIMIT, 300, 0)))));
    await(counters.drained());

    assertThat(await(counters.counter(LIMIT))).containsExactly(120, 0, 0);
    assertThat(await(counters.counter(WALLET))).containsExactly(120, 0, 1_000);
    assertThat(await(counters.holdOpen(hold.id()))).isFalse();
  }

  @Test
  void aVoidGivesBackWhatTheHoldHeldOnce() throws Exception {
    reserve(2, "h1", 300);
    reserve(3, "h2", 200);
    Voided voided = new Voided(4, "h1", "r1", "acct", Bucket.RMB, 300, "failed_attempt",
        List.of(new CounterDelta(LIMIT, 300, 0)));

    counters.committed(List.of(voided, voided));
    await(counters.drained());

    assertThat(await(counters.counter(LIMIT))).containsExactly(0, 200, 0);
    assertThat(await(counters.counter(WALLET))).containsExactly(0, 200, 1_000);
  }

  @Test
  void anExpiredHoldIsSweptOnceByAnyProcess() throws Exception {
    reserve(2, "h1", 300);
    RedisCounters other = RedisCounters.open(vertx, Counters.config(redis, "settle" + prefixes + ":"),
        new CoreLess("gateway-b"), clock);
    try {
      // the hold expires a minute from now; the sweep waits the configured grace (a minute) beyond that
      assertThat(await(other.sweep(clock.millis() + 60_000))).isEmpty();
      assertThat(await(other.sweep(clock.millis() + 120_001))).containsExactly("h1");
      assertThat(await(other.sweep(clock.millis() + 120_001))).isEmpty();
    } finally {
      await(other.close());
    }
    assertThat(await(counters.counter(LIMIT))).containsExactly(0, 0, 0);
    assertThat(await(counters.counter(WALLET))).containsExactly(0, 0, 1_000);
    // its owner's void, arriving late, changes nothing
    counters.committed(List.of(new Voided(3, "h1", "r1", "acct", Bucket.RMB, 300, "expired",
        List.of(new CounterDelta(LIMIT, 300, 0)))));
    await(counters.drained());
    assertThat(await(counters.counter(WALLET))).containsExactly(0, 0, 1_000);
  }

  private Hold reserve(long seq, String id, long amount) throws Exception {
    Hold hold = new Hold(seq, id, "r" + seq, "acct", Bucket.RMB, amount,
        List.of(new CounterClaim(LIMIT, Metric.SPEND, amount, 10_000)), clock.millis() + 60_000);
    assertThat(await(io.vertx.core.Future.fromCompletionStage(counters.reserveAll(SharedCounters.claims(hold), hold)))
        .taken()).isTrue();
    return hold;
  }

  /** A source for a process that only sweeps here. */
  private record CoreLess(String id) implements RebuildSource {
    @Override
    public io.vertx.core.Future<io.tollgate.ledger.core.Snapshot> snapshot() {
      return io.vertx.core.Future.succeededFuture(new io.tollgate.ledger.core.Snapshot(0, List.of(), List.of(), List.of(),
          List.of()));
    }
  }
}

package io.tollgate.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.limits.Metric;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * The reservation script takes every claim of a hold or none, atomically across processes: three "processes" (each its
 * own client and source) reserve random holds over shared limit counters and one wallet at once, and afterwards no
 * counter holds more than its cap and each counter holds exactly the claims of the holds that were taken.
 */
@AddLifecycleHook(ReserveAllOrNoneTest.RedisInstalled.class)
class ReserveAllOrNoneTest {
  private static final int COUNTERS = 4;
  private static final AtomicInteger TRIES = new AtomicInteger();
  static RedisProcess redis;
  static Vertx vertx;

  @BeforeContainer
  static void startRedis() throws Exception {
    if (!RedisProcess.installed()) {
      return;
    }
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
  }

  @AfterContainer
  static void stopRedis() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** A hold to try: an amount per counter (0: no claim on it) and on the wallet. */
  record Try(long[] amounts, long walletMicros) {}

  @Property(tries = 40)
  void neverAPartialReservationAndNeverAboveACap(@ForAll("caps") List<Long> caps, @ForAll("credit") long creditMicros,
      @ForAll("tries") List<Try> tries) throws Exception {
    String prefix = "prop" + TRIES.incrementAndGet() + ":";
    Clock clock = Clock.systemUTC();
    List<RedisCounters> processes = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      processes.add(Counters.open(vertx, redis, prefix, "process-" + p, clock));
    }
    // the wallet's credits arrive as a top-up journaled by process 0
    processes.get(0).committed(List.of(new Movement(1, "topup", Movement.Kind.TOPUP, "acct", Bucket.RMB, creditMicros,
        List.of())));
    Counters.await(processes.get(0).drained());

    List<Hold> holds = new ArrayList<>();
    List<Future<SharedCounters.Taken>> outcomes = new ArrayList<>();
    for (int i = 0; i < tries.size(); i++) {
      Try t = tries.get(i);
      List<CounterClaim> claims = new ArrayList<>();
      for (int c = 0; c < COUNTERS; c++) {
        if (t.amounts()[c] > 0) {
          claims.add(new CounterClaim(counter(c), Metric.SPEND, t.amounts()[c], caps.get(c)));
        }
      }
      Hold hold = new Hold(10 + i, "hold-" + i, "req-" + i, "acct", Bucket.RMB, t.walletMicros(), claims,
          clock.millis() + 600_000);
      holds.add(hold);
      // every caller at once: nothing awaits before all are sent
      outcomes.add(Future.fromCompletionStage(processes.get(i % 3).reserveAll(SharedCounters.claims(hold), hold)));
    }
    Counters.await(Future.join(outcomes));

    Map<String, Long> heldByTaken = new HashMap<>();
    for (int i = 0; i < holds.size(); i++) {
      SharedCounters.Taken taken = outcomes.get(i).result();
      Hold hold = holds.get(i);
      assertThat(Counters.await(processes.get(0).holdOpen(hold.id()))).as("hold %s open", hold.id()).isEqualTo(taken.taken());
      if (taken.taken()) {
        for (CounterClaim claim : SharedCounters.claims(hold)) {
          heldByTaken.merge(claim.counter(), claim.amount(), Long::sum);
        }
      } else {
        // the refusal names a claim that did not fit, with the counter as the script saw it
        long cap = taken.refused().cap() == SharedCounters.STORED_CAP ? creditMicros : taken.refused().cap();
        assertThat(taken.cap()).isEqualTo(cap);
        assertThat(taken.spent() + taken.held() + taken.refused().amount()).isGreaterThan(cap);
      }
    }
    for (int c = 0; c < COUNTERS; c++) {
      long[] state = Counters.await(processes.get(1).counter(counter(c)));
      assertThat(state[1]).as("held on %s", counter(c)).isEqualTo(heldByTaken.getOrDefault(counter(c), 0L))
          .isLessThanOrEqualTo(caps.get(c));
    }
    String wallet = SharedCounters.walletCounter("acct", Bucket.RMB);
    long[] walletState = Counters.await(processes.get(2).counter(wallet));
    assertThat(walletState[1]).isEqualTo(heldByTaken.getOrDefault(wallet, 0L)).isLessThanOrEqualTo(creditMicros);
    assertThat(walletState[2]).isEqualTo(creditMicros);
    for (RedisCounters process : processes) {
      Counters.await(process.close());
    }
  }

  private static String counter(int c) {
    return "limit-" + c + "|subject|all";
  }

  /** Skips the class, saying why, where redis-server is not installed. */
  static final class RedisInstalled implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return RedisProcess.installed() ? SkipResult.doNotSkip() : SkipResult.skip(RedisProcess.missing());
    }
  }

  @Provide
  Arbitrary<List<Long>> caps() {
    return Arbitraries.longs().between(0, 1_000).list().ofSize(COUNTERS);
  }

  @Provide
  Arbitrary<Long> credit() {
    return Arbitraries.longs().between(0, 3_000);
  }

  @Provide
  Arbitrary<List<Try>> tries() {
    Arbitrary<long[]> amounts = Arbitraries.longs().between(0, 400).array(long[].class).ofSize(COUNTERS);
    Arbitrary<Long> wallet = Arbitraries.longs().between(0, 300);
    return Combinators.combine(amounts, wallet).as(Try::new).list().ofMinSize(1).ofMaxSize(60);
  }
}

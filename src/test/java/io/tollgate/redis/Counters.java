package io.tollgate.redis;

import io.tollgate.config.RedisConfig;
import io.tollgate.ledger.core.Snapshot;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.util.List;

/** Shared counters for component tests: a source with an empty journal, under a prefix of the test's own. */
final class Counters {
  private Counters() {}

  static RedisConfig config(RedisProcess redis, String prefix) {
    return new RedisConfig(URI.create(redis.url()), prefix, 1_000, 5_000, 60_000, 3_600_000, 1);
  }

  /** Counters for a process named {@code source} whose journal is empty, started (its empty state contributed). */
  static RedisCounters open(Vertx vertx, RedisProcess redis, String prefix, String source, Clock clock) throws Exception {
    RedisCounters counters = RedisCounters.open(vertx, config(redis, prefix), new RebuildSource() {
      @Override
      public String id() {
        return source;
      }

      @Override
      public Future<Snapshot> snapshot() {
        return Future.succeededFuture(new Snapshot(0, List.of(), List.of(), List.of(), List.of()));
      }
    }, clock);
    await(counters.start());
    return counters;
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
  }
}

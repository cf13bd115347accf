package io.tollgate.ledger.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link LedgerStore} in memory, for tests: a journal, the latest snapshot and counters. Like every store it holds
 * no money logic: it compares claims with caps and adds the deltas events carry. It survives a "crash" of the core
 * that uses it, as a durable store would.
 */
final class InMemoryLedgerStore implements LedgerStore {
  private final List<LedgerEvent> journal = new ArrayList<>();
  private final Map<String, long[]> counters = new HashMap<>();
  private Snapshot snapshot;

  @Override
  public CompletionStage<Claimed> reserveAll(List<CounterClaim> claims, Hold taken) {
    for (CounterClaim c : claims) {
      long[] now = counters.getOrDefault(c.counter(), new long[2]);
      if (now[0] + now[1] + c.amount() > c.cap()) {
        return CompletableFuture.completedFuture(new Claimed(false, c));
      }
    }
    claims.forEach(c -> counters.computeIfAbsent(c.counter(), k -> new long[2])[1] += c.amount());
    journal.add(taken);
    return CompletableFuture.completedFuture(Claimed.ALL);
  }

  @Override
  public CompletionStage<Void> append(LedgerEvent event) {
    if (event instanceof Hold) {
      throw new IllegalArgumentException("a hold taken is journaled by reserveAll, with its claims");
    }
    List<CounterDelta> deltas = event instanceof Posting p ? p.counters() : event instanceof Voided v ? v.counters() : List.of();
    for (CounterDelta d : deltas) {
      long[] c = counters.computeIfAbsent(d.counter(), k -> new long[2]);
      c[1] = Math.max(0, c[1] - d.released());
      c[0] += d.used();
    }
    journal.add(event);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletionStage<Void> saveSnapshot(Snapshot s) {
    if (!journal.isEmpty() && s.seq() > journal.get(journal.size() - 1).seq()) {
      throw new IllegalArgumentException("snapshot " + s.seq() + " is ahead of the journal");
    }
    snapshot = s;
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public Journal load() {
    long after = snapshot == null ? 0 : snapshot.seq();
    return new Journal(snapshot, journal.stream().filter(e -> e.seq() > after).toList());
  }

  /** The whole journal, from the first event. */
  List<LedgerEvent> journal() {
    return journal;
  }

  /** A counter as {@code [spent, held]}. */
  long[] counter(String key) {
    return counters.getOrDefault(key, new long[2]).clone();
  }
}

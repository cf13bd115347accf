package io.tollgate.redis;

import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.SharedCounters;
import io.tollgate.ledger.core.Snapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * One source's state as {@code rebuild.lua} reads it: its limit counters, its wallets (a cap of balance plus
 * overdraft, what pending holds use of it) and its open holds, numbers as strings (Lua would round them).
 *
 * @param overdrafts each wallet's overdraft, from which later overdraft changes move its cap
 */
record RebuildState(String json, int counters, int wallets, int holds, Map<String, Long> overdrafts) {

  static RebuildState of(Snapshot snapshot, RedisKeys keys, ToLongFunction<String> ttlMs, ToLongFunction<Hold> sweepAfterMs) {
    JsonArray counters = new JsonArray();
    for (Snapshot.CounterState c : snapshot.counters()) {
      counters.add(new JsonArray().add(keys.counter(c.counter())).add(Long.toString(c.spent())).add(Long.toString(c.held()))
          .add(Long.toString(ttlMs.applyAsLong(c.counter()))));
    }
    JsonArray wallets = new JsonArray();
    Map<String, Long> overdrafts = new HashMap<>();
    for (Snapshot.WalletState w : snapshot.wallets()) {
      String wallet = SharedCounters.walletCounter(w.accountId(), w.bucket());
      overdrafts.put(wallet, w.overdraftMicros());
      wallets.add(new JsonArray().add(keys.counter(wallet))
          .add(Long.toString(Math.addExact(w.balanceMicros(), w.overdraftMicros()))).add(Long.toString(w.heldMicros())));
    }
    JsonArray holds = new JsonArray();
    for (Hold h : snapshot.pending()) {
      JsonArray claims = new JsonArray();
      for (CounterClaim c : SharedCounters.claims(h)) {
        claims.add(keys.counter(c.counter())).add(Long.toString(c.amount()));
      }
      holds.add(new JsonArray().add(keys.hold(h.id())).add(h.id()).add(Long.toString(sweepAfterMs.applyAsLong(h))).add(claims));
    }
    String json = new JsonObject().put("c", counters).put("w", wallets).put("h", holds).encode();
    return new RebuildState(json, counters.size(), wallets.size(), holds.size(), Map.copyOf(overdrafts));
  }
}

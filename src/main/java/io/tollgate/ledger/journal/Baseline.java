package io.tollgate.ledger.journal;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.limits.Metric;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Snapshot 0: where the journal begins. For a new database it is empty; for one older than the journal it is the
 * state its tables held: balances and overdrafts, system balances, pending holds with their limit reservations, and
 * limit usage. Nothing is lost in the migration: every row stays where it was, and the journal continues from it.
 */
final class Baseline {
  /** Limit usage older than this is not loaded: admission reads only current windows (lifetime counters always). */
  private static final long USAGE_HORIZON_MS = 40L * 24 * 60 * 60 * 1000;
  private static final TypeReference<List<Map<String, Object>>> RESERVATIONS = new TypeReference<>() {};

  private Baseline() {}

  static Snapshot of(Connection c, long nowMs) throws SQLException {
    List<Hold> pending = pendingHolds(c);
    Map<String, long[]> held = new HashMap<>();
    Map<String, long[]> counterHeld = new HashMap<>();
    for (Hold h : pending) {
      held.computeIfAbsent(h.accountId() + "\n" + h.bucket().name(), k -> new long[1])[0] += h.amountMicros();
      h.claims().forEach(claim -> counterHeld.computeIfAbsent(claim.counter(), k -> new long[1])[0] += claim.amount());
    }
    List<Snapshot.WalletState> wallets = new ArrayList<>();
    List<Snapshot.SystemBalance> system = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT owner, bucket, kind, balance, overdraft FROM ledger_accounts");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        Bucket bucket = Bucket.valueOf(rs.getString(2));
        if ("customer".equals(rs.getString(3))) {
          long[] h = held.getOrDefault(rs.getString(1) + "\n" + bucket.name(), new long[1]);
          wallets.add(new Snapshot.WalletState(rs.getString(1), bucket, rs.getLong(4), h[0], rs.getLong(5)));
        } else if (rs.getLong(4) != 0) {
          system.add(new Snapshot.SystemBalance(SystemAccount.valueOf(rs.getString(3).toUpperCase(Locale.ROOT)), bucket,
              rs.getLong(4)));
        }
      }
    }
    Map<String, Long> spent = io.tollgate.limits.LimitSql.usage(c, nowMs - USAGE_HORIZON_MS);
    List<Snapshot.CounterState> counters = new ArrayList<>();
    spent.forEach((key, value) -> counters.add(new Snapshot.CounterState(key, value,
        counterHeld.getOrDefault(key, new long[1])[0])));
    counterHeld.forEach((key, value) -> {
      if (!spent.containsKey(key)) {
        counters.add(new Snapshot.CounterState(key, 0, value[0]));
      }
    });
    // a pending hold's seq orders recovery; before the journal they had none, so they are numbered by age, all <= 0
    return new Snapshot(0, wallets, system, pending, counters);
  }

  private static List<Hold> pendingHolds(Connection c) throws SQLException {
    List<Hold> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT h.id, h.request_id, a.owner, h.bucket, h.amount, h.reservations,"
        + " h.expires_at FROM holds h JOIN ledger_accounts a ON a.id = h.wallet_id WHERE h.status = 'pending'"
        + " ORDER BY h.created_at, h.id");
        ResultSet rs = s.executeQuery()) {
      long seq = 0;
      List<Object[]> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
            rs.getString(6), rs.getLong(7)});
      }
      seq = -rows.size();
      for (Object[] r : rows) {
        List<CounterClaim> claims = new ArrayList<>();
        if (r[5] != null) {
          for (Map<String, Object> m : Json.MAPPER.readValue((String) r[5], RESERVATIONS)) {
            claims.add(new CounterClaim((String) m.get("counter"), Metric.parse((String) m.get("metric")),
                ((Number) m.get("amount")).longValue(), Long.MAX_VALUE));
          }
        }
        out.add(new Hold(++seq, (String) r[0], (String) r[1], (String) r[2], Bucket.valueOf((String) r[3]), (Long) r[4],
            claims, (Long) r[6]));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a pending hold's reservations are not readable JSON: " + e.getOriginalMessage(), e);
    }
    return out;
  }
}

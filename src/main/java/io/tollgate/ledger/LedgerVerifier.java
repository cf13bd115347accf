package io.tollgate.ledger;

import io.tollgate.store.Store;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Checks every ledger invariant of DESIGN.md against the database and reports each by name. */
public final class LedgerVerifier {
  private LedgerVerifier() {}

  /** One invariant: whether it holds and, when not, the offending rows (at most ten). */
  public record Check(String name, boolean ok, List<String> problems) {}

  /** All checks. */
  public record Report(List<Check> checks) {
    public boolean ok() {
      return checks.stream().allMatch(Check::ok);
    }

    /** A readable report, one line per check and one per problem. */
    public String text() {
      StringBuilder out = new StringBuilder();
      for (Check check : checks) {
        out.append(check.ok() ? "ok    " : "FAIL  ").append(check.name()).append('\n');
        check.problems().forEach(p -> out.append("        ").append(p).append('\n'));
      }
      out.append(ok() ? "ledger verify: all invariants hold\n" : "ledger verify: INVARIANTS BROKEN\n");
      return out.toString();
    }
  }

  public static Report verify(Store store, long nowMs) {
    // one read transaction: every check sees the same moment (a request settling meanwhile is in all of them or none)
    return store.read(c -> {
      c.setAutoCommit(false);
      try {
        return checks(c, nowMs);
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    });
  }

  private static Report checks(Connection c, long nowMs) throws SQLException {
    return new Report(List.of(
        check(c, "each bucket's entries sum to zero",
            "SELECT a.bucket, SUM(e.amount) FROM entries e JOIN ledger_accounts a ON a.id = e.account_id"
                + " GROUP BY a.bucket HAVING SUM(e.amount) <> 0",
            rs -> "bucket " + rs.getString(1) + " sums to " + rs.getLong(2)),
        check(c, "each balance equals the sum of its entries",
            "SELECT a.id, a.balance, COALESCE((SELECT SUM(amount) FROM entries WHERE account_id = a.id), 0) AS s"
                + " FROM ledger_accounts a WHERE a.balance <> COALESCE((SELECT SUM(amount) FROM entries WHERE account_id = a.id), 0)",
            rs -> rs.getString(1) + ": balance " + rs.getLong(2) + ", entries " + rs.getLong(3)),
        check(c, "each transfer has one debit and one credit entry of its amount",
            "SELECT t.id, COUNT(e.seq), COALESCE(SUM(e.amount), 0) FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id"
                + " GROUP BY t.id HAVING COUNT(e.seq) <> 2 OR SUM(e.amount) <> 0"
                + " OR SUM(CASE WHEN e.account_id = t.credit_account AND e.amount = t.amount THEN 1 ELSE 0 END) <> 1",
            rs -> rs.getString(1) + ": " + rs.getLong(2) + " entries summing to " + rs.getLong(3)),
        check(c, "each entry is in its transfer's bucket, on its debit or credit account",
            "SELECT e.seq, e.transfer_id, e.account_id FROM entries e JOIN transfers t ON t.id = e.transfer_id"
                + " JOIN ledger_accounts a ON a.id = e.account_id WHERE a.bucket <> t.bucket"
                + " OR (e.amount < 0 AND e.account_id <> t.debit_account) OR (e.amount > 0 AND e.account_id <> t.credit_account)",
            rs -> "entry " + rs.getLong(1) + " of " + rs.getString(2) + " on " + rs.getString(3)),
        check(c, "no customer balance below zero beyond its overdraft",
            "SELECT id, balance, overdraft FROM ledger_accounts WHERE kind = 'customer' AND balance + overdraft < 0",
            rs -> rs.getString(1) + ": balance " + rs.getLong(2) + " with overdraft " + rs.getLong(3)),
        check(c, "each wallet's held amount equals its pending holds",
            "SELECT a.id, a.held, COALESCE((SELECT SUM(amount) FROM holds WHERE wallet_id = a.id AND status = 'pending'), 0)"
                + " FROM ledger_accounts a WHERE a.held <> COALESCE((SELECT SUM(amount) FROM holds"
                + " WHERE wallet_id = a.id AND status = 'pending'), 0)",
            rs -> rs.getString(1) + ": held " + rs.getLong(2) + ", pending holds " + rs.getLong(3)),
        check(c, "no hold is pending past its TTL",
            "SELECT id, request_id, expires_at FROM holds WHERE status = 'pending' AND expires_at < " + nowMs,
            rs -> rs.getString(1) + " of " + rs.getString(2) + " expired at " + rs.getLong(3)),
        check(c, "each charged receipt has exactly one charge transfer",
            // one grouped pass over the charges (transfers have no index on request_id)
            "SELECT r.id, COALESCE(c.n, 0) FROM receipts r LEFT JOIN (SELECT request_id, COUNT(*) AS n FROM transfers"
                + " WHERE kind = 'charge' GROUP BY request_id) c ON c.request_id = r.id"
                + " WHERE r.charged = 1 AND COALESCE(c.n, 0) <> 1"
                // a posting the projections have not applied yet (a verify beside a running gateway) has its transfer
                // in the journal: it is not missing
                + " AND NOT (COALESCE(c.n, 0) = 0 AND EXISTS (SELECT 1 FROM journal j WHERE j.kind = 'posting'"
                + " AND j.seq > (SELECT seq FROM journal_projection WHERE id = 1)"
                + " AND " + io.tollgate.store.Dialect.jsonText(c, "j.event", "request_id") + " = r.id))",
            rs -> "receipt " + rs.getString(1) + " has " + rs.getLong(2) + " charge transfers"),
        check(c, "each charge transfer has a charged receipt",
            "SELECT t.id, t.amount FROM transfers t WHERE t.kind = 'charge' AND NOT EXISTS (SELECT 1 FROM receipts r"
                + " WHERE r.id = t.request_id AND r.charged = 1 AND r.transfer_id = t.id)",
            rs -> "transfer " + rs.getString(1) + " (" + rs.getLong(2) + ") has no charged receipt"),
        journalReplay(c)
    ));
  }

  /**
   * Replays the journal from where it began (snapshot 0) up to what the projections have applied, through the
   * accounting core, which refuses a gap or an event that does not fit; then compares every balance, held amount and
   * overdraft the replay gives with the projected accounts.
   */
  static Check journalReplay(Connection c) throws SQLException {
    String name = "the journal replays to the projected balances";
    List<String> problems = new ArrayList<>();
    long projected = io.tollgate.ledger.journal.JournalSql.projectedSeq(c);
    io.tollgate.ledger.core.Snapshot first = io.tollgate.ledger.journal.JournalSql.snapshot(c, Long.MAX_VALUE, true);
    if (first == null) {
      // no gateway has opened this database since the journal's migration: nothing is journaled yet, and the tables
      // are what snapshot 0 will be made of
      return io.tollgate.ledger.journal.JournalSql.lastSeq(c) == 0 ? new Check(name, true, List.of())
          : new Check(name, false, List.of("the journal has events but no snapshot 0 to begin from"));
    }
    io.tollgate.ledger.core.AccountingCore core;
    try {
      core = io.tollgate.ledger.core.AccountingCore.restore(first);
      io.tollgate.ledger.core.AccountingCore replaying = core;
      // one event at a time: the whole journal of a long-lived database never sits in memory
      io.tollgate.ledger.journal.JournalSql.forEach(c, first.seq(), projected, j -> replaying.replay(j.event()));
      if (core.lastSeq() != projected) {
        problems.add("the journal ends at event " + core.lastSeq() + ", the projections claim " + projected);
      }
    } catch (RuntimeException e) {
      return new Check(name, false, List.of(e.getMessage()));
    }
    try (PreparedStatement s = c.prepareStatement("SELECT id, owner, bucket, kind, balance, held, overdraft FROM ledger_accounts");
        ResultSet rs = s.executeQuery()) {
      while (rs.next() && problems.size() < 10) {
        io.tollgate.config.Bucket bucket = io.tollgate.config.Bucket.valueOf(rs.getString(3));
        long[] want;
        if ("customer".equals(rs.getString(4))) {
          var w = core.walletState(rs.getString(2), bucket);
          want = new long[] {w.balanceMicros(), w.heldMicros(), w.overdraftMicros()};
        } else {
          var kind = LedgerIds.SystemAccount.valueOf(rs.getString(4).toUpperCase(java.util.Locale.ROOT));
          want = new long[] {core.systemBalance(kind, bucket), 0, 0};
        }
        long[] got = {rs.getLong(5), rs.getLong(6), rs.getLong(7)};
        if (!java.util.Arrays.equals(want, got)) {
          problems.add(rs.getString(1) + ": balance/held/overdraft " + got[0] + "/" + got[1] + "/" + got[2]
              + ", the journal says " + want[0] + "/" + want[1] + "/" + want[2]);
        }
      }
    }
    return new Check(name, problems.isEmpty(), problems);
  }

  @FunctionalInterface
  private interface Row {
    String describe(ResultSet rs) throws SQLException;
  }

  private static Check check(Connection c, String name, String sql, Row row) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      while (rs.next() && problems.size() < 10) {
        problems.add(row.describe(rs));
      }
    }
    return new Check(name, problems.isEmpty(), problems);
  }
}

package io.tollgate.ledger.journal;

import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.core.CounterClaim;
import io.tollgate.ledger.core.CounterDelta;
import io.tollgate.ledger.core.Entry;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.core.OverdraftSet;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Voided;
import io.tollgate.limits.LimitSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Brings the journal's projections up to date: wallet and system balances ({@code ledger_accounts}), holds,
 * transfers with their entries, the receipts journaled with their postings, and limit usage. A batch of events costs one read and one write per account it
 * touches, one row per transfer and entry, one row per hold (a hold that ends in the same batch is written once,
 * ended) and one upsert per limit counter; it runs in the writer's transaction with the projection's new position,
 * so a projection is never half applied and never applied twice.
 */
final class Projector {
  private Projector() {}

  /** Applies {@code events} (in journal order) and records the last one's seq as projected. */
  static void apply(Connection c, List<Journaled> events) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    Accounts accounts = new Accounts(c);
    Map<String, HoldRow> holds = new LinkedHashMap<>();
    List<HoldEnd> endedEarlier = new ArrayList<>();
    Map<String, long[]> usage = new HashMap<>();
    List<TransferRow> transfers = new ArrayList<>();
    List<Journaled> receipts = new ArrayList<>();
    for (Journaled j : events) {
      LedgerEvent e = j.event();
      if (e instanceof Hold h) {
        String wallet = accounts.wallet(h.accountId(), h.bucket(), j.createdAtMs());
        accounts.get(wallet).held += h.amountMicros();
        holds.put(h.id(), new HoldRow(h, wallet, j));
      } else if (e instanceof Posting p) {
        String wallet = accounts.wallet(p.accountId(), p.bucket(), j.createdAtMs());
        accounts.get(wallet).held -= p.heldMicros();
        ended(holds, endedEarlier, new HoldEnd(p.holdId(), p.chargedMicros() > 0 ? "posted" : "voided", p.chargedMicros(),
            p.transferId(), "settled", j.createdAtMs()));
        if (p.chargedMicros() > 0) {
          transfers.add(transfer(accounts, p.entries(), "charge", p.requestId(), null, null, j.createdAtMs()));
        }
        if (j.annotation() != null) {
          receipts.add(j);
        }
        for (CounterDelta d : p.counters()) {
          if (d.used() > 0) {
            long[] u = usage.computeIfAbsent(d.counter(), k -> new long[2]);
            u[0] += d.used();
            u[1] = j.createdAtMs();
          }
        }
      } else if (e instanceof Voided v) {
        String wallet = accounts.wallet(v.accountId(), v.bucket(), j.createdAtMs());
        accounts.get(wallet).held -= v.amountMicros();
        ended(holds, endedEarlier, new HoldEnd(v.holdId(), "voided", null, null, v.reason(), j.createdAtMs()));
      } else if (e instanceof Movement m) {
        accounts.wallet(m.accountId(), m.bucket(), j.createdAtMs());
        Annotation note = j.annotation() == null ? new Annotation(null, null) : Json.read(j.annotation(), Annotation.class);
        transfers.add(transfer(accounts, m.entries(), m.kind().name().toLowerCase(Locale.ROOT), null, note.note(),
            note.details(), j.createdAtMs()));
      } else if (e instanceof OverdraftSet o) {
        accounts.get(accounts.wallet(o.accountId(), o.bucket(), j.createdAtMs())).overdraft = o.overdraftMicros();
      }
    }
    // every kind of row is written with one batched statement: on PostgreSQL one round trip per kind, not per row,
    // inside the write transaction that holds the journal's lock
    accounts.flush();
    TransferRow.insertAll(c, transfers);
    HoldEnd.updateAll(c, endedEarlier);
    HoldRow.insertAll(c, holds.values());
    io.tollgate.receipts.ReceiptSql.projectAll(c, receipts);
    LimitSql.addSpent(c, usage);
    JournalSql.setProjectedSeq(c, events.get(events.size() - 1).event().seq());
  }

  /** A movement's words, kept in the journal beside it for its transfer row. */
  record Annotation(String note, String details) {}

  /** How a hold ended, written on its row: the row the batch inserts, or an update of one an earlier batch wrote. */
  private record HoldEnd(String holdId, String status, Long postedAmount, String transferId, String resolution, long atMs) {
    static void updateAll(Connection c, List<HoldEnd> ends) throws SQLException {
      if (ends.isEmpty()) {
        return;
      }
      try (PreparedStatement s = c.prepareStatement("UPDATE holds SET status = ?, posted_amount = ?, transfer_id = ?,"
          + " resolution = ?, resolved_at = ? WHERE id = ?")) {
        for (HoldEnd e : ends) {
          s.setString(1, e.status);
          HoldRow.setLong(s, 2, e.postedAmount);
          s.setString(3, e.transferId);
          s.setString(4, e.resolution);
          s.setLong(5, e.atMs);
          s.setString(6, e.holdId);
          s.addBatch();
        }
        s.executeBatch();
      }
    }
  }

  private static void ended(Map<String, HoldRow> holds, List<HoldEnd> endedEarlier, HoldEnd end) {
    HoldRow row = holds.get(end.holdId());
    if (row == null) {
      // taken in an earlier batch: its row exists, pending
      endedEarlier.add(end);
      return;
    }
    row.status = end.status();
    row.postedAmount = end.postedAmount();
    row.transferId = end.transferId();
    row.resolution = end.resolution();
    row.resolvedAt = end.atMs();
  }

  private static TransferRow transfer(Accounts accounts, List<Entry> entries, String kind, String requestId, String note,
      String details, long atMs) throws SQLException {
    Entry debit = entries.get(0).amountMicros() < 0 ? entries.get(0) : entries.get(1);
    Entry credit = debit == entries.get(0) ? entries.get(1) : entries.get(0);
    long[] after = new long[2];
    Account d = accounts.get(debit.account());
    d.balance += debit.amountMicros();
    after[0] = d.balance;
    Account cr = accounts.get(credit.account());
    cr.balance += credit.amountMicros();
    after[1] = cr.balance;
    return new TransferRow(debit.transferId(), kind, debit.bucket(), debit.account(), credit.account(), credit.amountMicros(),
        requestId, note, details, atMs, after[0], after[1]);
  }

  private record TransferRow(String id, String kind, Bucket bucket, String debit, String credit, long amount,
      String requestId, String note, String details, long atMs, long debitAfter, long creditAfter) {
    static void insertAll(Connection c, List<TransferRow> rows) throws SQLException {
      if (rows.isEmpty()) {
        return;
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO transfers (id, kind, bucket, debit_account, credit_account,"
          + " amount, request_id, note, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (TransferRow t : rows) {
          s.setString(1, t.id);
          s.setString(2, t.kind);
          s.setString(3, t.bucket.name());
          s.setString(4, t.debit);
          s.setString(5, t.credit);
          s.setLong(6, t.amount);
          s.setString(7, t.requestId);
          s.setString(8, t.note);
          s.setString(9, t.details);
          s.setLong(10, t.atMs);
          s.addBatch();
        }
        s.executeBatch();
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO entries (transfer_id, account_id, amount, balance_after,"
          + " request_id, created_at) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)")) {
        for (TransferRow t : rows) {
          t.bind(s, 0, t.debit, -t.amount, t.debitAfter);
          t.bind(s, 6, t.credit, t.amount, t.creditAfter);
          s.addBatch();
        }
        s.executeBatch();
      }
    }

    private void bind(PreparedStatement s, int at, String account, long value, long balanceAfter) throws SQLException {
      s.setString(at + 1, id);
      s.setString(at + 2, account);
      s.setLong(at + 3, value);
      s.setLong(at + 4, balanceAfter);
      s.setString(at + 5, requestId);
      s.setLong(at + 6, atMs);
    }
  }

  /** A hold's row as the batch leaves it: inserted when the batch took it, updated otherwise. */
  private static final class HoldRow {
    final Hold hold;
    final String wallet;
    final Journaled taken;
    String status = "pending";
    Long postedAmount;
    String transferId;
    String resolution;
    Long resolvedAt;

    HoldRow(Hold hold, String wallet, Journaled taken) {
      this.hold = hold;
      this.wallet = wallet;
      this.taken = taken;
    }

    static void insertAll(Connection c, java.util.Collection<HoldRow> rows) throws SQLException {
      if (rows.isEmpty()) {
        return;
      }
      try (PreparedStatement s = c.prepareStatement("INSERT INTO holds (id, wallet_id, bucket, amount, status, request_id,"
          + " context, posted_amount, transfer_id, resolution, created_at, expires_at, resolved_at, reservations)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (HoldRow h : rows) {
          h.bind(s);
          s.addBatch();
        }
        s.executeBatch();
      }
    }

    private void bind(PreparedStatement s) throws SQLException {
      List<Map<String, Object>> reservations = new ArrayList<>();
      for (CounterClaim claim : hold.claims()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("counter", claim.counter());
        r.put("limit_id", claim.counter().substring(0, Math.max(0, claim.counter().indexOf('|'))));
        r.put("metric", claim.metric().wireName());
        r.put("amount", claim.amount());
        reservations.add(r);
      }
      s.setString(1, hold.id());
      s.setString(2, wallet);
      s.setString(3, hold.bucket().name());
      s.setLong(4, hold.amountMicros());
      s.setString(5, status);
      s.setString(6, hold.requestId());
      s.setString(7, taken.annotation() == null ? "{}" : taken.annotation());
      setLong(s, 8, postedAmount);
      s.setString(9, transferId);
      s.setString(10, resolution);
      s.setLong(11, taken.createdAtMs());
      s.setLong(12, hold.expiresAtMs());
      setLong(s, 13, resolvedAt);
      s.setString(14, Json.write(reservations));
    }

    static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
      if (v == null) {
        s.setNull(i, java.sql.Types.INTEGER);
      } else {
        s.setLong(i, v);
      }
    }
  }

  /** One ledger account as the batch moves it. */
  private static final class Account {
    final boolean exists;
    long balance;
    long held;
    long overdraft;
    boolean touched;

    Account(boolean exists, long balance, long held, long overdraft) {
      this.exists = exists;
      this.balance = balance;
      this.held = held;
      this.overdraft = overdraft;
    }
  }

  /** The accounts a batch touches: each read once, and written once at the end. */
  private static final class Accounts {
    private final Connection c;
    private final Map<String, Account> byId = new LinkedHashMap<>();

    Accounts(Connection c) {
      this.c = c;
    }

    /** The wallet's id, creating it and its bucket's system accounts when the database has none yet. */
    String wallet(String accountId, Bucket bucket, long atMs) throws SQLException {
      String id = LedgerIds.wallet(accountId, bucket);
      if (!byId.containsKey(id)) {
        io.tollgate.ledger.LedgerSql.ensureWallet(c, accountId, bucket, atMs);
      }
      return id;
    }

    Account get(String id) throws SQLException {
      Account a = byId.get(id);
      if (a == null) {
        try (PreparedStatement s = c.prepareStatement("SELECT balance, held, overdraft FROM ledger_accounts WHERE id = ?")) {
          s.setString(1, id);
          try (ResultSet rs = s.executeQuery()) {
            a = rs.next() ? new Account(true, rs.getLong(1), rs.getLong(2), rs.getLong(3)) : new Account(false, 0, 0, 0);
          }
        }
        if (!a.exists) {
          throw new IllegalStateException("the journal moves ledger account " + id + ", which the database lacks"
              + " (expected: its wallet's bucket to have been set up by an earlier event of the batch)");
        }
        byId.put(id, a);
      }
      a.touched = true;
      return a;
    }

    void flush() throws SQLException {
      try (PreparedStatement s = c.prepareStatement("UPDATE ledger_accounts SET balance = ?, held = ?, overdraft = ? WHERE id = ?")) {
        boolean any = false;
        for (Map.Entry<String, Account> e : byId.entrySet()) {
          Account a = e.getValue();
          if (!a.touched) {
            continue;
          }
          s.setLong(1, a.balance);
          s.setLong(2, a.held);
          s.setLong(3, a.overdraft);
          s.setString(4, e.getKey());
          s.addBatch();
          any = true;
        }
        if (any) {
          s.executeBatch();
        }
      }
    }
  }
}

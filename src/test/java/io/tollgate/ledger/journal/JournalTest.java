package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal is the ledger's source of truth: a restart restores the core from it, a rolled-back transaction
 * leaves no trace in the core, a database older than the journal is carried into it without losing a row, and the
 * projections are never behind a read.
 */
class JournalTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);
  private static final Limit LIMIT = new Limit("lim_j", Scope.ACCOUNT, "acct", null, null, null, Metric.TOKENS, null,
      Window.DAY, 1_000_000, false, "admin");

  @TempDir
  Path dir;
  private Store store;

  @AfterEach
  void close() {
    if (store != null) {
      LedgerVerifier.Report report = LedgerVerifier.verify(store, CLOCK.millis());
      store.close();
      // these tests post without the request path's receipts: every other invariant holds
      assertThat(report.checks()).filteredOn(check -> !check.name().contains("receipt"))
          .allSatisfy(check -> assertThat(check.ok()).as(report.text()).isTrue());
    }
  }

  @Test
  void aRestartRestoresEveryBalanceHoldAndCounterFromTheJournal() {
    store = Store.open(dir.resolve("j.db"));
    String account = new Tenants(store, CLOCK).createAccount("j").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", "start");
    new Ledger(accountant).setOverdraft(account, Bucket.RMB, 1_000_000);
    Hold posted = take(accountant, account, "req-1", 2_000_000, 300);
    store.writeNow(accountant.post(posted.id(), List.of(), 1_250_000, 300, Accountant.AlsoWrite.NOTHING));
    take(accountant, account, "req-2", 700_000, 500);
    Snapshot before = accountant.view().snapshot();
    store.close();

    store = Store.open(dir.resolve("j.db"));
    Accountant reopened = Accountant.of(store, CLOCK);

    assertThat(reopened.view().snapshot()).isEqualTo(before);
    assertThat(reopened.wallet(account, Bucket.RMB)).isEqualTo(new Snapshot.WalletState(account, Bucket.RMB, 3_750_000, 700_000,
        1_000_000));
    assertThat(reopened.counter("lim_j|" + account + "|2026-12-03")).containsExactly(300, 500);
    assertThat(HoldRecovery.recoverAll(store, reopened, CLOCK.millis(), ReceiptListener.NONE)).isEqualTo(1);
    assertThat(reopened.wallet(account, Bucket.RMB).heldMicros()).isZero();
    assertThat(reopened.counter("lim_j|" + account + "|2026-12-03")).containsExactly(300, 0);
  }

  @Test
  void aReceiptWrittenByRecoveryNamesTheResearchRunItsRequestWasASectionOf() {
    store = Store.open(dir.resolve("j.db"));
    String account = new Tenants(store, CLOCK).createAccount("j").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    store.writeNow(accountant.reserve(new Attempt("hold_s1", "req-s1", account, Bucket.RMB, 1_000_000, List.of(),
        CLOCK.millis() + 60_000), new HoldContext("req-s1", account, "proj", "key", "chat.completions", "chat-a", "routed",
        "primary", "main", "up-a", 10, false, CLOCK.millis(), "run_1")));

    HoldRecovery.recoverAll(store, accountant, CLOCK.millis(), ReceiptListener.NONE);

    io.tollgate.receipts.Receipt receipt = store.read(c -> io.tollgate.receipts.ReceiptSql.byId(c, "req-s1")).orElseThrow();
    assertThat(receipt.outcome()).isEqualTo("interrupted");
    assertThat(receipt.run()).isEqualTo("run_1");
  }

  @Test
  void aRolledBackTransactionLeavesNoTraceInTheCore() {
    store = Store.open(dir.resolve("j.db"));
    String account = new Tenants(store, CLOCK).createAccount("j").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    Hold hold = take(accountant, account, "req-1", 2_000_000, 100);

    // the posting is decided and journaled, then the receipt's write fails: the whole transaction rolls back
    assertThatThrownBy(() -> store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100, (c, posting) -> {
      throw new java.sql.SQLException("the receipt could not be written");
    }))).hasMessageContaining("the receipt could not be written");

    assertThat(accountant.wallet(account, Bucket.RMB)).isEqualTo(new Snapshot.WalletState(account, Bucket.RMB, 5_000_000,
        2_000_000, 0));
    assertThat(accountant.view().pending()).extracting(Hold::id).containsExactly(hold.id());
    // and the hold can still be posted, once
    assertThat(store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100, Accountant.AlsoWrite.NOTHING)).posting())
        .isNotNull();
    assertThat(accountant.wallet(account, Bucket.RMB).balanceMicros()).isEqualTo(4_000_000);
    assertThat(store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB))).balance()).isEqualTo(4_000_000);
  }

  @Test
  void aReadNeverSeesProjectionsBehindTheJournal() {
    store = Store.open(dir.resolve("j.db"));
    String account = new Tenants(store, CLOCK).createAccount("j").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    Hold hold = take(accountant, account, "req-1", 2_000_000, 100);
    store.writeNow(accountant.post(hold.id(), List.of(), 600_000, 100, Accountant.AlsoWrite.NOTHING));

    assertThat(accountant.behind()).as("the request path's events wait for a batch").isPositive();
    LedgerSql.WalletRow row = store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB)));
    assertThat(row).isEqualTo(new LedgerSql.WalletRow(LedgerIds.wallet(account, Bucket.RMB), 4_400_000, 0, 0));
    assertThat(accountant.behind()).isZero();
    assertThat(count("SELECT COUNT(*) FROM entries WHERE transfer_id = 'charge:req-1'")).isEqualTo(2);
  }

  @Test
  void aDatabaseFromBeforeTheJournalIsCarriedIntoItWithoutLosingARow() throws Exception {
    store = Store.open(dir.resolve("old.db"));
    String account = new Tenants(store, CLOCK).createAccount("old").id();
    // the tables as the ledger before the journal left them: a funded wallet, a pending hold and limit usage
    store.writeNow(c -> {
      LedgerSql.ensureWallet(c, account, Bucket.CREDIT, 0);
      exec(c, "UPDATE ledger_accounts SET balance = 10000000, held = 500000, overdraft = 2000000 WHERE id = 'wallet:"
          + account + ":CREDIT'");
      exec(c, "UPDATE ledger_accounts SET balance = -10000000 WHERE id = 'system:topup_source:CREDIT'");
      exec(c, "INSERT INTO transfers (id, kind, bucket, debit_account, credit_account, amount, created_at) VALUES"
          + " ('topup:" + account + ":old', 'topup', 'CREDIT', 'system:topup_source:CREDIT', 'wallet:" + account + ":CREDIT',"
          + " 10000000, 0)");
      exec(c, "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES"
          + " ('topup:" + account + ":old', 'system:topup_source:CREDIT', -10000000, -10000000, 0),"
          + " ('topup:" + account + ":old', 'wallet:" + account + ":CREDIT', 10000000, 10000000, 0)");
      exec(c, "INSERT INTO holds (id, wallet_id, bucket, amount, status, request_id, context, created_at, expires_at, reservations)"
          + " VALUES ('hold_old', 'wallet:" + account + ":CREDIT', 'CREDIT', 500000, 'pending', 'req-pending', '{\"request_id\":"
          + "\"req-pending\",\"account_id\":\"" + account + "\",\"leg\":\"primary\",\"created_at_ms\":0}', 0, 1,"
          + " '[{\"counter\":\"lim_old|" + account + "|all\",\"limit_id\":\"lim_old\",\"metric\":\"requests\",\"amount\":1}]')");
      exec(c, "INSERT INTO limit_usage (counter_key, spent, updated_at) VALUES ('lim_old|" + account + "|all', 7, 0)");
      // as if the journal's migration had only just run: no snapshot, no event
      exec(c, "DELETE FROM journal_snapshots");
      exec(c, "DELETE FROM journal");
      return null;
    });
    store.close();

    store = Store.open(dir.resolve("old.db"));
    Accountant accountant = Accountant.of(store, CLOCK);

    assertThat(accountant.wallet(account, Bucket.CREDIT)).isEqualTo(new Snapshot.WalletState(account, Bucket.CREDIT, 10_000_000,
        500_000, 2_000_000));
    assertThat(accountant.view().systemBalance(LedgerIds.SystemAccount.TOPUP_SOURCE, Bucket.CREDIT)).isEqualTo(-10_000_000);
    assertThat(accountant.counter("lim_old|" + account + "|all")).containsExactly(7, 1);
    assertThat(HoldRecovery.recoverAll(store, accountant, CLOCK.millis(), ReceiptListener.NONE)).isEqualTo(1);
    assertThat(accountant.counter("lim_old|" + account + "|all")).containsExactly(7, 0);
    assertThat(accountant.wallet(account, Bucket.CREDIT).heldMicros()).isZero();
    // and it goes on from there: the old top-up's id still replays
    assertThat(new Ledger(accountant).topUp(account, Bucket.CREDIT, 10_000_000, "old", null).replayed()).isTrue();
    assertThat(count("SELECT COUNT(*) FROM entries")).isEqualTo(2);
  }

  private static void exec(java.sql.Connection c, String sql) throws java.sql.SQLException {
    try (var s = c.createStatement()) {
      s.executeUpdate(sql);
    }
  }

  private Hold take(Accountant accountant, String account, String requestId, long micros, long tokens) {
    HoldContext context = new HoldContext(requestId, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
        "main", "up-a", 10, false, CLOCK.millis());
    PlannedLimit limit = new PlannedLimit(LIMIT, "lim_j|" + account + "|2026-12-03", tokens, null);
    return (Hold) store.writeNow(accountant.reserve(new Attempt("hold_" + requestId, requestId, account, Bucket.RMB, micros,
        List.of(limit), CLOCK.millis() + 60_000), context));
  }

  private long count(String sql) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }
}

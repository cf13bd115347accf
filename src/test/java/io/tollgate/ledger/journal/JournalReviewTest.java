package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerSql;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Posting;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review of the journal: each test names a way the projections or the checks go wrong. */
class JournalReviewTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;
  private Store store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  /**
   * The request path posts a charge and writes its receipt in one transaction, as Billing.settle does; the charge
   * transfer is only a projection, left for a later batch. A gateway that stops (or is killed) before that batch
   * leaves a database in which `tollgate ledger verify` (read-only, as the CLI opens it) reports a charged receipt
   * without its charge transfer, and the CLI's listings show the balance before the charge.
   */
  @Test
  void verifyOnAStoppedGatewaysDatabaseFindsNoBrokenInvariant() {
    store = Store.open(dir.resolve("v.db"));
    String account = new Tenants(store, CLOCK).createAccount("v").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    Hold hold = take(accountant, account, "req-1", 2_000_000);
    store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100, (c, posting) -> receipt(c, account, posting)));
    assertThat(accountant.behind()).as("the charge waits for a projection batch").isPositive();
    // a clean stop: Gateway.stop cancels the projection timer, then the store closes
    store.close();
    store = null;

    try (Store readOnly = Store.openReadOnly(dir.resolve("v.db"))) {
      LedgerVerifier.Report report = LedgerVerifier.verify(readOnly, CLOCK.millis());
      assertThat(report.ok()).as(report.text()).isTrue();
      assertThat(readOnly.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(account, Bucket.RMB))).balance())
          .as("the CLI's view of the wallet after the charge").isEqualTo(4_000_000);
    }
  }

  /**
   * The admin endpoint's verify runs on the gateway's own store: Store.read catches the projections up first, but
   * the checks are separate statements on an autocommit connection, so a request settled between the catch-up and
   * the receipts check has its receipt (written with the posting) and not yet its charge transfer (a projection).
   * Under traffic, /admin/ledger/verify then reports broken invariants that are not broken.
   */
  @Test
  void verifyOnALiveGatewayFindsNoBrokenInvariantWhileRequestsSettle() throws Exception {
    store = Store.open(dir.resolve("live.db"));
    String account = new Tenants(store, CLOCK).createAccount("live").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 1_000_000_000, "t1", null);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread traffic = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        Hold hold = take(accountant, account, "req-" + i, 1_000);
        store.writeNow(accountant.post(hold.id(), List.of(), 500, 10, (c, posting) -> receipt(c, account, posting)));
      }
    });
    traffic.start();
    try {
      long until = System.currentTimeMillis() + 3_000;
      while (System.currentTimeMillis() < until) {
        LedgerVerifier.Report report = LedgerVerifier.verify(store, CLOCK.millis());
        assertThat(report.ok()).as(report.text()).isTrue();
      }
    } finally {
      stop.set(true);
      traffic.join();
    }
  }

  static void receipt(Connection c, String account, Posting posting) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO receipts (id, account_id, created_at, outcome, body, charged,"
        + " transfer_id, cost) VALUES (?, ?, ?, 'succeeded', '{}', ?, ?, ?)")) {
      s.setString(1, posting.requestId());
      s.setString(2, account);
      s.setLong(3, CLOCK.millis());
      s.setInt(4, posting.chargedMicros() > 0 ? 1 : 0);
      s.setString(5, posting.transferId());
      s.setLong(6, posting.chargedMicros());
      s.executeUpdate();
    }
  }

  Hold take(Accountant accountant, String account, String requestId, long micros) {
    HoldContext context = new HoldContext(requestId, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
        "main", "up-a", 10, false, CLOCK.millis());
    return (Hold) store.writeNow(accountant.reserve(new Attempt("hold_" + requestId, requestId, account, Bucket.RMB, micros,
        List.of(), CLOCK.millis() + 60_000), context));
  }
}

package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.journal.JournalSql;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.HoldRows;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * On a shared store the projections follow the journal in transactions that do not take the journal's lock, which
 * every write transaction of the cluster waits for: they take a lock of their own. So a process projects while
 * another holds the journal's lock, and a process decides (holds, postings) while another projects.
 */
class ProjectionsAsideTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);
  private static final String JOURNAL_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-journal:' ||"
      + " coalesce(current_schema(), '')))";
  private static final String PROJECTION_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tollgate-projection:' ||"
      + " coalesce(current_schema(), '')))";

  @Test
  void projectionsFollowWhileTheJournalsLockIsHeldAndHoldsCommitWhileTheProjectionsLockIsHeld() throws Exception {
    String url = Postgres.freshSchema("aside");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("aside").id();
      Accountant onA = Accountant.of(a, CLOCK);
      Accountant onB = Accountant.of(b, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 50_000_000, "start", null);
      Hold first = hold(a, onA, account, "req-1");
      Hold second = hold(b, onB, account, "req-2");
      assertThat(onA.behind()).as("holds are projected later, in batches").isPositive();

      // another process's write transaction holds the journal's lock: the projections follow all the same
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(JOURNAL_LOCK)) {
          s.execute();
        }
        assertThat(onA.follow().get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(projectedSeq(url)).as("projected past both processes' holds").isEqualTo(a.readAsIs(JournalSql::lastSeq));
        assertThat(status(url, first.id())).isEqualTo("pending");
        assertThat(status(url, second.id())).isEqualTo("pending");
        other.rollback();
      }

      // another process projects (holds the projections' lock): holds and postings still commit
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        Hold third = hold(a, onA, account, "req-3");
        a.write(onA.post(first.id(), List.of(), 700_000, 10, Accountant.AlsoWrite.NOTHING)).get(10, TimeUnit.SECONDS);
        long before = projectedSeq(url);
        assertThat(onB.follow().get(10, TimeUnit.SECONDS)).as("the projections are busy: no wait, no pass").isFalse();
        assertThat(projectedSeq(url)).isEqualTo(before);
        Hold fourth = hold(b, onB, account, "req-4");
        assertThat(fourth.seq()).isGreaterThan(third.seq());

        // a read waits for the other projection to end (not on the writer), then projects: it sees every commit
        CompletableFuture<String> read = CompletableFuture.supplyAsync(() -> b.read(c -> HoldRows.status(c, first.id())));
        Thread.sleep(300);
        assertThat(read).as("the read waits while another transaction projects").isNotDone();
        Hold fifth = hold(b, onB, account, "req-5");
        assertThat(fifth.seq()).as("the writer is not held by the waiting read").isGreaterThan(fourth.seq());
        other.rollback();
        assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("posted");
      }
      assertThat(projectedSeq(url)).isEqualTo(a.readAsIs(JournalSql::lastSeq));
      assertThat(status(url, first.id())).isEqualTo("posted");

      // each event projected once, whichever process got there: the balance is the top-up less the one charge
      onA.follow().get(10, TimeUnit.SECONDS);
      assertThat(io.tollgate.testing.Wallets.balance(a, account, Bucket.RMB)).isEqualTo(50_000_000 - 700_000);
      long held = a.read(c -> heldOf(c, account));
      assertThat(held).isEqualTo(4 * 1_000_000L);
    } finally {
      Postgres.drop(url);
    }
  }

  @Test
  void whileAnotherProcessProjectsTheWriterAsksAgainOnlyEveryFewHundredEventsNotAtEveryCommit() throws Exception {
    String url = Postgres.freshSchema("aside_busy");
    try (Store a = Postgres.open(url, "gw-a")) {
      String account = new Tenants(a, CLOCK).createAccount("busy").id();
      Accountant onA = Accountant.of(a, CLOCK);
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000_000_000, "start", null);
      try (Connection other = Postgres.connect(url)) {
        other.setAutoCommit(false);
        try (PreparedStatement s = other.prepareStatement(PROJECTION_LOCK)) {
          s.execute();
        }
        for (int i = 0; i < 600; i++) {
          hold(a, onA, account, "busy-" + i);
        }
        a.writeNow(c -> null); // a pass queued by the last commits has run
        assertThat(onA.projectionPasses()[0]).as("passes done").isZero();
        assertThat(onA.projectionPasses()[1]).as("passes skipped: at 256 and 512 events waiting, not at every commit")
            .isEqualTo(2);
        other.rollback();
      }
      assertThat(onA.follow().get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(projectedSeq(url)).isEqualTo(a.readAsIs(JournalSql::lastSeq));
      long held = a.read(c -> heldOf(c, account));
      assertThat(held).isEqualTo(600 * 1_000_000L);
    } finally {
      Postgres.drop(url);
    }
  }

  private static Hold hold(Store store, Accountant accountant, String account, String req) throws Exception {
    HoldContext ctx = new HoldContext(req, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
        "main", "up-a", 10, false, CLOCK.millis(), null);
    return (Hold) store.write(accountant.reserve(new Attempt("hold_" + req, req, account, Bucket.RMB, 1_000_000,
        List.of(), CLOCK.millis() + 600_000), ctx)).get(10, TimeUnit.SECONDS);
  }

  private static long projectedSeq(String url) throws Exception {
    try (Connection c = Postgres.connect(url)) {
      return JournalSql.projectedSeq(c);
    }
  }

  private static String status(String url, String holdId) throws Exception {
    try (Connection c = Postgres.connect(url)) {
      return HoldRows.status(c, holdId);
    }
  }

  private static long heldOf(Connection c, String account) throws java.sql.SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT held FROM ledger_accounts WHERE id = ?")) {
      s.setString(1, io.tollgate.ledger.LedgerIds.wallet(account, Bucket.RMB));
      try (var rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}

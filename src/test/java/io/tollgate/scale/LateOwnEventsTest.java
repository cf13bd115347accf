package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.journal.JournalSql;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.tollgate.testing.Postgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A commit whose answer was lost may still have stood: the process took it for failed, and its events come back to
 * it through the journal's tail as if another process had appended them. They are this process's events all the
 * same, and the shared counters (Redis) hear of them from this process, as of any other commit: otherwise a posting
 * would never reach Redis, whose spend would stay short of PostgreSQL's and let a cap be overspent.
 */
class LateOwnEventsTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void ownEventsFoundInTheTailReachTheCommittedEventsListenerOnceInJournalOrder() throws Exception {
    String url = Postgres.freshSchema("late_own");
    try (Store a = Postgres.open(url, "gw-a"); Store b = Postgres.open(url, "gw-b")) {
      String account = new Tenants(a, CLOCK).createAccount("late").id();
      Accountant onA = Accountant.of(a, CLOCK);
      List<LedgerEvent> heard = new ArrayList<>();
      onA.onCommitted(heard::addAll);
      Accountant onB = Accountant.of(b, CLOCK);

      // an event committed under gw-a's name that gw-a's core never applied: what a commit whose answer was lost
      // leaves (made here by gw-b, then named gw-a's)
      new Ledger(onB).topUp(account, Bucket.RMB, 5_000, "lost-answer", null);
      long lost = b.readAsIs(JournalSql::lastSeq);
      try (Connection c = Postgres.connect(url);
          PreparedStatement s = c.prepareStatement("UPDATE journal SET node = 'gw-a' WHERE seq = ?")) {
        s.setLong(1, lost);
        assertThat(s.executeUpdate()).isEqualTo(1);
      }
      // and one that is truly gw-b's
      new Ledger(onB).topUp(account, Bucket.RMB, 7_000, "b-own", null);

      heard.clear();
      new Ledger(onA).topUp(account, Bucket.RMB, 1_000, "a-own", null);

      assertThat(heard).extracting(LedgerEvent::seq).containsExactly(lost, lost + 2);
      assertThat(heard.get(0)).isInstanceOfSatisfying(Movement.class, m -> assertThat(m.signedMicros()).isEqualTo(5_000));

      heard.clear();
      a.writeNow(c -> null);
      assertThat(heard).as("each late event is handed over once").isEmpty();
    } finally {
      Postgres.drop(url);
    }
  }
}

package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.Bucket;
import io.tollgate.store.Store;
import io.tollgate.testing.Postgres;
import org.junit.jupiter.api.Test;

/**
 * A shared journal never applies other processes' events on top of a core that holds events no commit kept (the
 * state a failed rebuild after a rollback would leave): the tail refuses, and the transaction's rollback rebuilds.
 */
class SharedTailGuardTest {
  @Test
  void theTailRefusesACoreAheadOfTheCommittedJournalAndTheRollbackRebuildsIt() {
    String url = Postgres.freshSchema("tail_guard");
    try (Store store = Postgres.open(url, "gw-a")) {
      Journal journal = store.writeNow(c -> Journal.openShared(c, 0, "gw-a"));
      journal.committed();
      long committed = journal.core().lastSeq();
      // an event the core applied that no transaction journaled
      store.writeNow(c -> journal.core().topUp("lost", "acct", Bucket.RMB, 1_000));
      assertThat(journal.core().lastSeq()).isEqualTo(committed + 1);

      assertThatThrownBy(() -> store.writeNow(journal::tail)).hasMessageContaining("the core is at event");

      store.writeNow(c -> {
        journal.rolledBack(c);
        return null;
      });
      assertThat(journal.core().lastSeq()).isEqualTo(committed);
      assertThat(journal.core().walletState("acct", Bucket.RMB).balanceMicros()).isZero();
      store.writeNow(journal::tail);
    } finally {
      Postgres.drop(url);
    }
  }
}

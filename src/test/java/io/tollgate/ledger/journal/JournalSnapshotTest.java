package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots bound what start-up replays, and a restart from the latest one gives the state the journal describes. */
class JournalSnapshotTest {
  @TempDir
  Path dir;

  @Test
  void aRestartFromTheLatestSnapshotEqualsAFullReplay() {
    Snapshot before;
    try (Store store = Store.open(dir.resolve("s.db"))) {
      Journal journal = store.writeNow(c -> Journal.open(c, 0, 3));
      journal.committed();
      for (int i = 1; i <= 10; i++) {
        int n = i;
        store.writeNow(c -> {
          LedgerEvent e = journal.core().topUp("t" + n, "acct", n % 2 == 0 ? Bucket.RMB : Bucket.CREDIT, n * 1_000L);
          journal.append(e, null, 0);
          journal.project(c, 0);
          journal.flush(c); // the accountant's before-commit hook, which this test does without
          return null;
        });
        journal.committed();
      }
      before = journal.core().snapshot();
      Snapshot latest = store.read(c -> JournalSql.snapshot(c, Long.MAX_VALUE, false));
      java.util.List<Journaled> events = store.read(c -> JournalSql.events(c, 0, Long.MAX_VALUE));
      assertThat(latest.seq()).isEqualTo(9);
      assertThat(events).hasSize(10);
    }
    try (Store store = Store.open(dir.resolve("s.db"))) {
      Journal reopened = store.writeNow(c -> Journal.open(c, 0, 3));

      assertThat(reopened.core().snapshot()).isEqualTo(before);
      assertThat(reopened.core().walletState("acct", Bucket.RMB).balanceMicros()).isEqualTo(30_000);
      assertThat(reopened.core().walletState("acct", Bucket.CREDIT).balanceMicros()).isEqualTo(25_000);
    }
  }
}

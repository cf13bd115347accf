package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testing.WriterGate;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read's catch-up waits for its writer with a bound: a writer that does not answer (stuck behind a lock another
 * process never releases) fails the wait instead of holding the reading thread for as long as it is stuck.
 */
class WriteAsideTimeoutTest {
  @TempDir
  Path dir;
  Store store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aStuckWriterFailsTheWaitAndStillRunsTheWorkOnceFree() throws Exception {
    store = Store.open(dir.resolve("t.db"));
    CountDownLatch gate = WriterGate.hold(store);
    AtomicInteger ran = new AtomicInteger();

    assertThatThrownBy(() -> store.writeAsideNow(c -> ran.incrementAndGet(), 50))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("did not answer within 50 ms");

    gate.countDown();
    // the work stayed queued: the writer runs it once free, and later waits are answered
    int seen = store.writeAsideNow(c -> ran.get(), 10_000);
    assertThat(seen).isEqualTo(1);
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aFailingTaskStillFailsWithItsOwnError() {
    store = Store.open(dir.resolve("t.db"));

    assertThatThrownBy(() -> store.writeAsideNow(c -> {
      throw new IllegalStateException("bad event");
    }, 10_000)).isInstanceOf(IllegalStateException.class).hasMessage("bad event");
  }
}

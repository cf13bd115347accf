package io.tollgate.testing;

import io.tollgate.store.Store;
import java.util.concurrent.CountDownLatch;

/**
 * Holds a store's writer on a task that waits, so that work queued meanwhile runs in one group commit once the test
 * opens the gate: how a test puts several tasks (one of them failing, say) into one batch.
 */
public final class WriterGate {
  private WriterGate() {}

  /** Returns once the writer is held; counting the returned latch down lets it go. */
  public static CountDownLatch hold(Store store) throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    store.write(c -> {
      running.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      return null;
    });
    running.await();
    return gate;
  }
}

package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a checkpoint has copied the whole write-ahead log, SQLite starts the log over at the next write, and with
 * {@code synchronous=NORMAL} that write syncs the log's new header. The writer makes that write itself while it is
 * idle, so the next request's hold does not wait for an fsync (bench/RESULTS.md, 2026-12-04: about 0.7 ms before the
 * first chunk of every request after a quiet moment).
 */
class LogRewindTest {
  @TempDir
  Path dir;
  Store store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private void writeRow(String name) {
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO settings (name, value) VALUES (?, ?)")) {
        s.setString(1, name);
        s.setString(2, "v".repeat(200));
        s.executeUpdate();
      }
      return null;
    });
  }

  /** The log's checkpoint sequence number, from its header: SQLite adds one each time the log starts over. */
  private long logGeneration() throws IOException {
    try (FileChannel wal = FileChannel.open(dir.resolve("t.db-wal"), StandardOpenOption.READ)) {
      ByteBuffer header = ByteBuffer.allocate(16);
      while (header.hasRemaining() && wal.read(header, header.position()) > 0) {
        // reads the header's first 16 bytes
      }
      return Integer.toUnsignedLong(header.getInt(12));
    }
  }

  private long awaitGenerationAbove(long generation, long seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long now = logGeneration();
    while (now <= generation && System.nanoTime() < deadline) {
      Thread.sleep(10);
      now = logGeneration();
    }
    return now;
  }

  /**
   * Opens the store and waits for the log to start over after the migrations' writes (the first checkpoint is due at
   * start): otherwise that rewind could come after the test's first write and be taken for the one the test waits for.
   */
  private void openAfterItsFirstRewind() throws Exception {
    store = Store.open(dir.resolve("t.db"));
    long atOpen = logGeneration();
    assertThat(awaitGenerationAbove(atOpen, 10)).as("the migrations' log started over").isGreaterThan(atOpen);
  }

  @Test
  void theLogStartsOverWhileIdleNotInTheNextRequestsWrite() throws Exception {
    openAfterItsFirstRewind();
    writeRow("a");
    long before = logGeneration();
    long tasks = store.commitCounts()[1];

    // the periodic checkpoint copies the row within its 200 ms; the writer then starts the log over by itself
    long rewound = awaitGenerationAbove(before, 10);

    assertThat(rewound).as("the log started over with no request writing").isGreaterThan(before);
    assertThat(store.commitCounts()[1]).as("starting the log over is no task: it makes no checkpoint due")
        .isEqualTo(tasks);

    writeRow("b");

    assertThat(logGeneration()).as("the request's write appended to the log instead of starting it over (and syncing)")
        .isEqualTo(rewound);
  }

  @Test
  void anIdleGatewayStartsTheLogOverOnceNotOverAndOver() throws Exception {
    openAfterItsFirstRewind();
    writeRow("a");
    long before = logGeneration();
    long rewound = awaitGenerationAbove(before, 10);
    assertThat(rewound).isGreaterThan(before);

    // three times the policy's age: a rewind that counted as written work would make another checkpoint and rewind due
    Thread.sleep(3 * Checkpointer.Policy.MAX_AGE_MS);

    assertThat(logGeneration()).isEqualTo(rewound);
  }
}

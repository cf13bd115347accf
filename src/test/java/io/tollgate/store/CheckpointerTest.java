package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write-ahead log is copied into the database file by the checkpointer's thread, beside the writer. */
class CheckpointerTest {
  @TempDir
  Path dir;
  Store store;

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }

  private void writeRows(int n) {
    for (int i = 0; i < n; i++) {
      int k = i;
      store.writeNow(c -> {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO settings (name, value) VALUES (?, ?)")) {
          s.setString(1, "k" + k);
          s.setString(2, "v".repeat(500));
          s.executeUpdate();
        }
        return null;
      });
    }
  }

  private long pages() {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("PRAGMA page_count"); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Test
  void aCheckpointCopiesEveryFrameWhileTheWriterIsOpen() {
    store = Store.open(dir.resolve("t.db"));
    writeRows(50);

    long[] frames = store.checkpoint();

    assertThat(frames[0]).as("frames in the log").isPositive();
    assertThat(frames[1]).as("frames copied").isEqualTo(frames[0]);
  }

  @Test
  void theLogReachesTheDatabaseFileWithoutAnyoneAsking() throws Exception {
    Path file = dir.resolve("t.db");
    store = Store.open(file);
    writeRows(200);
    long expectedBytes = pages() * 4096;

    // the writer checkpoints only past thousands of pages; these few reach the file by the periodic checkpoint
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (Files.size(file) < expectedBytes && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(Files.size(file)).isGreaterThanOrEqualTo(expectedBytes);
  }
}

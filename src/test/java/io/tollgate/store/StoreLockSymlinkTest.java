package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round 3 (failed before the fix). The lock file is derived from the database path as spelled (only its parent
 * directory is resolved), so a database reached through a symlink to the file itself gets a second lock file
 * ({@code link.db.lock}) and a second writer opens the same SQLite file. DESIGN.md: "one SQLite file owned by
 * exactly one gateway process".
 */
class StoreLockSymlinkTest {
  @TempDir
  Path dir;

  @Test
  void aSymlinkToTheDatabaseFileIsRefusedWhileTheRealFileIsOwned() throws Exception {
    Path real = dir.resolve("real").resolve("tollgate.db");
    Path other = Files.createDirectories(dir.resolve("other"));
    try (Store first = Store.open(real)) {
      Path link = Files.createSymbolicLink(other.resolve("tollgate.db"), real);
      assertThatThrownBy(() -> {
        try (Store second = Store.open(link)) {
          // opened: two writers on one file
        }
      }).as("a second writer on %s through the symlink %s", real, link).isInstanceOf(StoreException.class);
    }
  }
}

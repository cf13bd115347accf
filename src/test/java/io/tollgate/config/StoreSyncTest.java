package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.store.Store;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code store.sync} chooses whether each commit survives a power loss too, and reaches SQLite's pragma. */
class StoreSyncTest {
  private static final String BASE = io.tollgate.testing.TestConfigs.MINIMAL;
  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  @TempDir
  Path dir;

  @Test
  void defaultsToNormalAndReadsFull() {
    assertThat(loader.parse(BASE, "t.yaml", null).storeSync()).isEqualTo(StoreSync.NORMAL);
    assertThat(loader.parse(BASE + "store: {sync: FULL}\n", "t.yaml", null).storeSync()).isEqualTo(StoreSync.FULL);
  }

  @Test
  void namesTheLineOfAnUnknownSync() {
    assertThatThrownBy(() -> loader.parse(BASE + "store:\n  sync: sometimes\n", "t.yaml", null))
        .hasMessageContaining("t.yaml:14").hasMessageContaining("unknown sync 'sometimes'").hasMessageContaining("full");
  }

  @Test
  void theWritersConnectionTakesTheSetting() {
    try (Store store = Store.open(dir.resolve("s.db"))) {
      assertThat(store.syncLevel()).as("NORMAL").isEqualTo(1);
      store.sync(StoreSync.FULL.pragma());
      assertThat(store.syncLevel()).as("FULL").isEqualTo(2);
      store.sync(StoreSync.NORMAL.pragma());
      assertThat(store.syncLevel()).isEqualTo(1);
    }
  }
}

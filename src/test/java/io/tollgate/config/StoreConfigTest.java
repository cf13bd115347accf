package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code store:}: the embedded file by default, PostgreSQL with a URL, secrets only from the environment. */
class StoreConfigTest {
  private static final String BASE = io.tollgate.testing.TestConfigs.MINIMAL;
  private final ConfigLoader loader = new ConfigLoader(Map.of("DB_PASSWORD", "s3cret")::get);

  @Test
  void theEmbeddedFileIsTheDefault() {
    assertThat(loader.parse(BASE, "t.yaml", null).store()).isEqualTo(StoreConfig.SQLITE);
    assertThat(loader.parse(BASE + "store: {sync: full}\n", "t.yaml", null).store().postgres()).isFalse();
  }

  @Test
  void readsAPostgresStore() {
    StoreConfig store = loader.parse(BASE + "store: {kind: postgres, url: 'jdbc:postgresql://db:5432/tg', user: tg,"
        + " password: '${DB_PASSWORD}', pool_size: 8, node: gw-2}\n", "t.yaml", null).store();

    assertThat(store).isEqualTo(new StoreConfig("postgres", "jdbc:postgresql://db:5432/tg", "tg", "s3cret", 8, "gw-2"));
  }

  @Test
  void refusesAWrittenPasswordAMissingUrlAndPostgresKeysOnSqlite() {
    assertThatThrownBy(() -> loader.parse(BASE + "store: {kind: postgres, url: 'jdbc:postgresql://db/tg', password: hunter2}\n",
        "t.yaml", null)).hasMessageContaining("the password is written in the file");
    assertThatThrownBy(() -> loader.parse(BASE + "store: {kind: postgres}\n", "t.yaml", null))
        .hasMessageContaining("kind: postgres needs a url");
    assertThatThrownBy(() -> loader.parse(BASE + "store: {url: 'jdbc:postgresql://db/tg'}\n", "t.yaml", null))
        .hasMessageContaining("'url' is for kind: postgres");
    assertThatThrownBy(() -> loader.parse(BASE + "store: {kind: oracle}\n", "t.yaml", null))
        .hasMessageContaining("unknown store kind 'oracle'");
  }
}

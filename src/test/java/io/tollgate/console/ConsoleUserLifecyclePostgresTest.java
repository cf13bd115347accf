package io.tollgate.console;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** {@link ConsoleUserLifecycleTest} on a PostgreSQL store (skipped when none answers). */
class ConsoleUserLifecyclePostgresTest extends ConsoleUserLifecycleTest {
  private String url;

  @Override
  GatewayFixture gateway(Path dir) throws Exception {
    url = Postgres.freshSchema("user_lifecycle");
    return GatewayFixture.startPostgres(dir, url, "gw-users");
  }

  @Override
  @AfterEach
  void stop() throws Exception {
    super.stop();
    if (url != null) {
      Postgres.drop(url);
    }
  }
}

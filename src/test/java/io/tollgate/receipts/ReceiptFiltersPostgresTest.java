package io.tollgate.receipts;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Postgres;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** The receipt filters of {@link ReceiptFiltersTest} on a PostgreSQL store (skipped when none answers). */
class ReceiptFiltersPostgresTest extends ReceiptFiltersTest {
  private String url;

  @Override
  GatewayFixture gateway(Path dir, MutableClock clock) throws Exception {
    url = Postgres.freshSchema("receipt_filters");
    return GatewayFixture.startPostgres(dir, url, "gw-filters", clock);
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

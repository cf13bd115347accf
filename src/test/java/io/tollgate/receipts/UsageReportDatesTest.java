package io.tollgate.receipts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review round 2 (failed before the fix). A usage report over a date that LocalDate parses but whose epoch milliseconds
 * overflow a long (or whose next day does not exist) is the gateway's own 500, not a 400 naming the parameter:
 * ReceiptsHandler.report converts {@code to.plusDays(1).atStartOfDay(tz).toInstant().toEpochMilli()} unchecked.
 */
class UsageReportDatesTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"%2B300000000-01-01", "%2B999999999-12-31", "-300000000-01-01"})
  void aFarDateIsRefusedAsABadParameterNotAnInternalError(String day) {
    Tenant t = Tenant.create(f, "far-" + day.hashCode());

    HttpResponse<String> own = f.get("/v1/usage?from=" + day + "&to=" + day, t.bearer());
    HttpResponse<String> admin = f.get("/admin/usage?from=" + day + "&to=" + day, f.admin());

    assertThat(own.statusCode()).as(own.body()).isEqualTo(400);
    assertThat(admin.statusCode()).as(admin.body()).isEqualTo(400);
  }
}

package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.logs.LogSetup;
import io.tollgate.config.LoggingConfig;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.LogCapture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Console operators: who the audit trail names for their changes, and when their sessions end. */
class ConsoleOperatorUsersTest {
  private static final String PASSWORD = "operator password";
  @TempDir
  Path dir;

  @Test
  void anOperatorUsersChangesAreAuditedUnderTheirOwnName() throws Exception {
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.JSON, "info", true));
        GatewayFixture f = GatewayFixture.start(dir)) {
      Tenant alice = Tenant.create(f, "alice");
      ConsoleHttp operator = signedInOperator(f);
      HttpResponse<String> topUp = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/topup",
          Map.of("csrf", ConsoleHttp.csrfOf(operator.get("/console/ops/accounts").body()), "amount", "2.5", "bucket", "RMB"));
      assertThat(topUp.statusCode()).isEqualTo(303);
      assertThat(topUp.headers().firstValue("location").orElseThrow()).contains("notice=");

      List<JsonObject> audit = logs.json(LogSetup.AUDIT).stream().map(LogCapture::fields).toList();
      String topUpPath = "/admin/accounts/" + alice.accountId() + "/topups";
      assertThat(audit).filteredOn(a -> a.getString("path").equals(topUpPath)).last()
          .satisfies(a -> assertThat(a.getString("actor")).isEqualTo("user:ops@example.com"));
      // Tenant.create made the account with the admin token itself
      assertThat(audit).filteredOn(a -> a.getString("path").equals("/admin/accounts")).isNotEmpty()
          .allSatisfy(a -> assertThat(a.getString("actor")).isEqualTo("admin"));
    }
  }

  @Test
  void rotatingTheAdminTokenEndsEveryOperatorSession() throws Exception {
    try (GatewayFixture f = GatewayFixture.start(dir)) {
      ConsoleHttp user = signedInOperator(f);
      ConsoleHttp tokenHolder = new ConsoleHttp(f);
      assertThat(tokenHolder.signInAsOperator(f.adminToken).statusCode()).isEqualTo(303);
      assertThat(user.get("/console/ops/accounts").statusCode()).isEqualTo(200);
      assertThat(tokenHolder.get("/console/ops/accounts").statusCode()).isEqualTo(200);

      HttpResponse<String> rotated = f.post("/admin/token/rotate", "", f.admin());
      assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
      String newToken = new JsonObject(rotated.body()).getString("token");

      assertThat(user.get("/console/ops/accounts").headers().firstValue("location")).hasValue("/console/sign-in");
      assertThat(tokenHolder.get("/console/ops/accounts").headers().firstValue("location")).hasValue("/console/sign-in");
      ConsoleHttp again = new ConsoleHttp(f);
      assertThat(again.signIn("ops@example.com", PASSWORD).statusCode()).isEqualTo(303);
      assertThat(again.get("/console/ops/accounts").statusCode()).isEqualTo(200);
      assertThat(new ConsoleHttp(f).signInAsOperator(newToken).statusCode()).isEqualTo(303);
    }
  }

  static ConsoleHttp signedInOperator(GatewayFixture f) {
    HttpResponse<String> created = f.post("/admin/users", "{\"email\":\"ops@example.com\",\"password\":\"" + PASSWORD
        + "\",\"role\":\"operator\"}", f.admin());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    ConsoleHttp operator = new ConsoleHttp(f);
    assertThat(operator.signIn("ops@example.com", PASSWORD).statusCode()).isEqualTo(303);
    return operator;
  }
}

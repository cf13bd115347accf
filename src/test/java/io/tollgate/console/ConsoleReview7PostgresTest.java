package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review (review7) of the console on two gateways sharing one PostgreSQL database (skipped when none answers). */
class ConsoleReview7PostgresTest {
  @TempDir
  Path dir;

  /**
   * docs/console.md: rotating the admin token ends every operator session at its next page, and the admin API stops
   * accepting their credentials at once. Each gateway reads the token's hash once, at start, and compares sessions
   * with it: after a rotation on one gateway, the other still accepts the old token (the one being rotated away,
   * perhaps because it leaked) and keeps its operator sessions going, until it restarts.
   */
  @Test
  void rotatingTheAdminTokenOnOneGatewayEndsOperatorSessionsOnItsPeersToo() throws Exception {
    String url = Postgres.freshSchema("review7_rotation");
    try (GatewayFixture a = GatewayFixture.startPostgres(dir, url, "gw-rot-a"); GatewayFixture b = a.peer("gw-rot-b")) {
      ConsoleHttp onB = ConsoleOperatorUsersTest.signedInOperator(b);
      ConsoleHttp tokenOnB = new ConsoleHttp(b);
      assertThat(tokenOnB.signInAsOperator(a.adminToken).statusCode()).isEqualTo(303);
      assertThat(onB.get("/console/ops/accounts").statusCode()).isEqualTo(200);

      HttpResponse<String> rotated = a.post("/admin/token/rotate", "", a.admin());
      assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
      String fresh = new JsonObject(rotated.body()).getString("token");

      assertThat(onB.get("/console/ops/accounts").headers().firstValue("location")).as("an operator user's session on the peer")
          .hasValue("/console/sign-in");
      assertThat(tokenOnB.get("/console/ops/accounts").headers().firstValue("location")).as("the old token's session on the peer")
          .hasValue("/console/sign-in");
      assertThat(b.get("/admin/accounts", "authorization", "Bearer " + a.adminToken).statusCode())
          .as("the old admin token on the peer").isEqualTo(401);
      assertThat(b.get("/admin/accounts", "authorization", "Bearer " + fresh).statusCode())
          .as("the new admin token on the peer").isEqualTo(200);
    } finally {
      Postgres.drop(url);
    }
  }
}

package io.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /admin/token/rotate}: a running gateway replaces its admin token, authenticated by the current one; the
 * new token is shown once, the old one stops working at once, and a restart keeps the new one.
 */
class AdminTokenRotationTest {
  @TempDir
  Path dir;
  GatewayFixture f;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  private static String[] bearer(String token) {
    return new String[] {"authorization", "Bearer " + token};
  }

  @Test
  void rotatingPrintsTheNewTokenOnceAndTheOldOneStopsWorkingAtOnceAndAfterARestart() throws Exception {
    String old = f.adminToken;

    HttpResponse<String> rotated = f.post("/admin/token/rotate", "", bearer(old));

    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    JsonObject body = new JsonObject(rotated.body());
    String fresh = body.getString("token");
    assertThat(fresh).startsWith("tga-").isNotEqualTo(old);
    assertThat(body.getString("note")).contains("once").contains("no longer works");
    assertThat(f.get("/admin/accounts", bearer(old)).statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/accounts", bearer(fresh)).statusCode()).isEqualTo(200);

    f.restart();

    assertThat(f.get("/admin/accounts", bearer(old)).statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/accounts", bearer(fresh)).statusCode()).isEqualTo(200);
  }

  @Test
  void onlyTheCurrentTokenMayRotate() {
    assertThat(f.post("/admin/token/rotate", "").statusCode()).isEqualTo(401);
    assertThat(f.post("/admin/token/rotate", "", f.bearer()).statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/accounts", f.admin()).statusCode()).as("a refused rotation changes nothing").isEqualTo(200);
  }
}

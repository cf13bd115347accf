package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.users.Users;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disabling a console user, enabling them again, and changing their password, through the admin API and as the CLI does. */
class ConsoleUserLifecycleTest {
  private static final String PASSWORD = "correct horse battery";
  @TempDir
  Path dir;
  GatewayFixture f;
  Tenant alice;
  String aliceId;

  /** The gateway on the store under test: the SQLite file here, PostgreSQL in {@link ConsoleUserLifecyclePostgresTest}. */
  GatewayFixture gateway(Path dir) throws Exception {
    return GatewayFixture.start(dir);
  }

  @BeforeEach
  void start() throws Exception {
    f = gateway(dir);
    alice = Tenant.create(f, "alice");
    HttpResponse<String> created = f.post("/admin/users", "{\"account_id\":\"" + alice.accountId()
        + "\",\"email\":\"alice@example.com\",\"password\":\"" + PASSWORD + "\"}", f.admin());
    aliceId = new JsonObject(created.body()).getString("id");
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void aDisabledUserCannotSignInAndTheirLiveSessionEndsWithItsKey() {
    ConsoleHttp browser = signedIn(PASSWORD);
    assertThat(browser.get("/console/overview").statusCode()).isEqualTo(200);

    HttpResponse<String> disabled = f.post("/admin/users/" + aliceId + "/disable", "", f.admin());
    assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
    assertThat(new JsonObject(disabled.body()).getBoolean("disabled")).isTrue();

    assertThat(browser.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
    assertThat(sessionKeys().stream().allMatch(k -> k.getValue("revoked_at_ms") != null)).isTrue();
    assertThat(new ConsoleHttp(f).signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(401);

    assertThat(f.post("/admin/users/" + aliceId + "/enable", "", f.admin()).statusCode()).isEqualTo(200);
    assertThat(signedIn(PASSWORD).get("/console/overview").statusCode()).isEqualTo(200);
  }

  @Test
  void aPasswordChangeEndsTheUsersSessionsAndOnlyTheNewPasswordSignsIn() {
    ConsoleHttp first = signedIn(PASSWORD);
    ConsoleHttp second = signedIn(PASSWORD);

    HttpResponse<String> changed = f.put("/admin/users/" + aliceId + "/password", "{\"password\":\"a brand new password\"}", f.admin());
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    assertThat(changed.body()).doesNotContain("a brand new password").doesNotContain("argon2");

    assertThat(first.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
    assertThat(second.get("/console/keys").headers().firstValue("location")).hasValue("/console/sign-in");
    assertThat(new ConsoleHttp(f).signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(401);
    assertThat(signedIn("a brand new password").get("/console/overview").statusCode()).isEqualTo(200);
  }

  @Test
  void aUserChangingTheirOwnPasswordEndsTheirOtherSessionsButKeepsThisOne() {
    ConsoleHttp here = signedIn(PASSWORD);
    ConsoleHttp elsewhere = signedIn(PASSWORD);
    String csrf = ConsoleHttp.csrfOf(here.get("/console/password").body());

    String wrong = here.get(here.postForm("/console/password", Map.of("csrf", csrf, "current", "not my password",
        "password", "a brand new password", "again", "a brand new password")).headers().firstValue("location").orElseThrow()).body();
    assertThat(wrong).contains("The current password does not match.");
    String differ = here.get(here.postForm("/console/password", Map.of("csrf", csrf, "current", PASSWORD,
        "password", "a brand new password", "again", "another new password")).headers().firstValue("location").orElseThrow()).body();
    assertThat(differ).contains("The two new passwords differ.");
    assertThat(elsewhere.get("/console/overview").statusCode()).isEqualTo(200);

    HttpResponse<String> changed = here.postForm("/console/password", Map.of("csrf", csrf, "current", PASSWORD,
        "password", "a brand new password", "again", "a brand new password"));
    assertThat(here.get(changed.headers().firstValue("location").orElseThrow()).body())
        .contains("Password changed; your other sessions have ended.");
    assertThat(here.get("/console/overview").statusCode()).isEqualTo(200);
    assertThat(elsewhere.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
    assertThat(new ConsoleHttp(f).signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(401);
    assertThat(signedIn("a brand new password").get("/console/overview").statusCode()).isEqualTo(200);
  }

  @Test
  void theAdminTokensSessionHasNoPasswordToChange() {
    ConsoleHttp operator = new ConsoleHttp(f);
    operator.signInAsOperator(f.adminToken);
    assertThat(operator.get("/console/password").body()).contains("You signed in with the admin token");
  }

  @Test
  void aChangeMadeOutsideTheGatewayEndsSessionsAtTheirNextPage() {
    ConsoleHttp browser = signedIn(PASSWORD);
    // what `tollgate users disable` does from another process: the gateway hears nothing of it
    new Users(f.store, Clock.systemUTC()).disable("Alice@Example.com");
    assertThat(browser.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
  }

  @Test
  void aDisabledOperatorUsersSessionEnds() {
    ConsoleHttp operator = ConsoleOperatorUsersTest.signedInOperator(f);
    assertThat(operator.get("/console/ops/accounts").statusCode()).isEqualTo(200);
    String id = new JsonObject(f.get("/admin/users", f.admin()).body()).getJsonArray("data").stream()
        .map(u -> (JsonObject) u).filter(u -> "operator".equals(u.getString("role"))).findFirst().orElseThrow().getString("id");
    assertThat(f.post("/admin/users/" + id + "/disable", "", f.admin()).statusCode()).isEqualTo(200);
    assertThat(operator.get("/console/ops/accounts").headers().firstValue("location")).hasValue("/console/sign-in");
  }

  @Test
  void refusesAnUnknownUserAndAShortPassword() {
    assertThat(f.post("/admin/users/user_nope/disable", "", f.admin()).statusCode()).isEqualTo(404);
    HttpResponse<String> tooShort = f.put("/admin/users/" + aliceId + "/password", "{\"password\":\"short\"}", f.admin());
    assertThat(tooShort.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(tooShort.body()).getJsonObject("error").getString("param")).isEqualTo("password");
  }

  private ConsoleHttp signedIn(String password) {
    ConsoleHttp browser = new ConsoleHttp(f);
    assertThat(browser.signIn("alice@example.com", password).statusCode()).isEqualTo(303);
    return browser;
  }

  private java.util.List<JsonObject> sessionKeys() {
    return new JsonObject(f.get("/admin/keys?project_id=" + alice.projectId(), f.admin()).body()).getJsonArray("data").stream()
        .map(k -> (JsonObject) k).filter(k -> k.getString("name").startsWith("console session")).toList();
  }
}

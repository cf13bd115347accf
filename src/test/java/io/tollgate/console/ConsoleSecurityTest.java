package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sign-in, sessions, cookies and CSRF of the console, over plain HTTP against a real gateway. */
class ConsoleSecurityTest {
  private static final String PASSWORD = "correct horse battery";
  @TempDir
  Path dir;
  GatewayFixture f;
  Tenant alice;

  @BeforeEach
  void start() throws Exception {
    f = GatewayFixture.start(dir);
    alice = Tenant.create(f, "alice");
    ConsoleHttp.createMember(f, alice.accountId(), "alice@example.com", PASSWORD);
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void rootAndConsoleRedirectToSignInWithoutASession() {
    ConsoleHttp browser = new ConsoleHttp(f);
    assertThat(browser.get("/").headers().firstValue("location")).hasValue("/console");
    assertThat(browser.get("/console").headers().firstValue("location")).hasValue("/console/overview");
    assertThat(browser.get("/console/overview").statusCode()).isEqualTo(303);
    assertThat(browser.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
  }

  @Test
  void signInSetsAnHttpOnlyStrictSessionCookieSecureOnlyUnderTls() {
    ConsoleHttp browser = new ConsoleHttp(f);
    HttpResponse<String> signedIn = browser.signIn("alice@example.com", PASSWORD);

    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(signedIn.headers().firstValue("location")).hasValue("/console/overview");
    String cookie = sessionCookie(signedIn);
    assertThat(cookie).containsIgnoringCase("; HttpOnly").contains("SameSite=Strict").contains("Path=/console").doesNotContainIgnoringCase("Secure");
    assertThat(browser.get("/console/overview").statusCode()).isEqualTo(200);

    ConsoleHttp behindTls = new ConsoleHttp(f);
    String csrf = ConsoleHttp.csrfOf(behindTls.get("/console/sign-in").body());
    HttpResponse<String> secure = behindTls.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(f.url("/console/sign-in")))
        .header("content-type", "application/x-www-form-urlencoded").header("x-forwarded-proto", "https")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&email=alice%40example.com&password="
            + PASSWORD.replace(" ", "+"))));
    assertThat(sessionCookie(secure)).containsIgnoringCase("; Secure").containsIgnoringCase("; HttpOnly").contains("SameSite=Strict");
  }

  @Test
  void pagesAreNeverCachedAndCannotBeFramed() {
    ConsoleHttp browser = new ConsoleHttp(f);
    browser.signIn("alice@example.com", PASSWORD);
    HttpResponse<String> page = browser.get("/console/wallet");
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
    assertThat(page.headers().firstValue("content-security-policy").orElseThrow()).contains("default-src 'self'");
  }

  @Test
  void refusesPostsWithoutTheSessionsCsrfToken() {
    ConsoleHttp browser = new ConsoleHttp(f);
    browser.signIn("alice@example.com", PASSWORD);

    HttpResponse<String> none = browser.postForm("/console/keys", Map.of("name", "sneaky", "route_types", "routed"));
    HttpResponse<String> wrong = browser.postForm("/console/keys", Map.of("csrf", "not-the-token", "name", "sneaky",
        "route_types", "routed"));
    HttpResponse<String> redeem = browser.postForm("/console/wallet/redeem", Map.of("code", "tgr-x"));
    HttpResponse<String> signOut = browser.postForm("/console/sign-out", Map.of());

    assertThat(List.of(none.statusCode(), wrong.statusCode(), redeem.statusCode(), signOut.statusCode()))
        .containsOnly(403);
    assertThat(browser.get("/console/keys").body()).doesNotContain("sneaky");
    assertThat(browser.get("/console/overview").statusCode()).isEqualTo(200); // still signed in
  }

  @Test
  void refusesASignInWithoutItsFormsCsrfToken() {
    ConsoleHttp browser = new ConsoleHttp(f);
    browser.get("/console/sign-in");
    HttpResponse<String> refused = browser.postForm("/console/sign-in", Map.of("email", "alice@example.com", "password", PASSWORD));
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(browser.cookies).doesNotContainKey(ConsoleRoutes.SESSION_COOKIE);
  }

  @Test
  void locksTheSignInAfterRepeatedFailuresEvenForTheRightPassword() {
    ConsoleHttp browser = new ConsoleHttp(f);
    for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
      assertThat(browser.signIn("alice@example.com", "wrong password " + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> locked = browser.signIn("Alice@Example.com", PASSWORD);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.body()).contains("Too many failed sign-ins");
    assertThat(browser.cookies).doesNotContainKey(ConsoleRoutes.SESSION_COOKIE);
  }

  @Test
  void locksAClientAddressThatTriesManyNamesEvenForAnotherNamesRightPassword() {
    ConsoleHttp browser = new ConsoleHttp(f);
    // a few failures per name, never reaching one name's lock, but many names from one address
    for (int i = 0; i < SignInThrottle.MAX_FAILURES_PER_ADDRESS; i++) {
      assertThat(browser.signIn("guess" + i % 5 + "@example.com", "wrong password " + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> locked = browser.signIn("alice@example.com", PASSWORD);
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.body()).contains("Too many failed sign-ins");
    assertThat(browser.cookies).doesNotContainKey(ConsoleRoutes.SESSION_COOKIE);
  }

  @Test
  void successfulSignInsFromOneAddressDoNotLockIt() {
    for (int i = 0; i < SignInThrottle.MAX_FAILURES_PER_ADDRESS + 2; i++) {
      assertThat(new ConsoleHttp(f).signIn("alice@example.com", PASSWORD).statusCode()).isEqualTo(303);
    }
  }

  @Test
  void signOutEndsTheSessionAndRevokesItsKey() {
    ConsoleHttp browser = new ConsoleHttp(f);
    browser.signIn("alice@example.com", PASSWORD);
    String session = browser.cookies.get(ConsoleRoutes.SESSION_COOKIE);
    String csrf = browser.csrf();

    assertThat(browser.postForm("/console/sign-out", Map.of("csrf", csrf)).statusCode()).isEqualTo(303);

    browser.cookies.put(ConsoleRoutes.SESSION_COOKIE, session);
    assertThat(browser.get("/console/overview").headers().firstValue("location")).hasValue("/console/sign-in");
    String keys = f.get("/admin/keys?project_id=" + alice.projectId(), f.admin()).body();
    assertThat(new io.vertx.core.json.JsonObject(keys).getJsonArray("data").stream()
        .map(k -> (io.vertx.core.json.JsonObject) k)
        .filter(k -> k.getString("name").startsWith(MemberPages.SESSION_KEY_NAME))
        .allMatch(k -> k.getValue("revoked_at_ms") != null)).isTrue();
  }

  @Test
  void theAdminApiCreatesUsersWithoutEverEchoingThePassword() {
    HttpResponse<String> created = f.post("/admin/users", "{\"account_id\":\"" + alice.accountId()
        + "\",\"email\":\"bob@example.com\",\"password\":\"another long password\"}", f.admin());
    HttpResponse<String> shortPassword = f.post("/admin/users", "{\"account_id\":\"" + alice.accountId()
        + "\",\"email\":\"carol@example.com\",\"password\":\"short\"}", f.admin());
    HttpResponse<String> taken = f.post("/admin/users", "{\"account_id\":\"" + alice.accountId()
        + "\",\"email\":\"BOB@example.com\",\"password\":\"another long password\"}", f.admin());
    HttpResponse<String> noToken = f.post("/admin/users", "{\"account_id\":\"" + alice.accountId()
        + "\",\"email\":\"dave@example.com\",\"password\":\"another long password\"}");

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.body()).contains("bob@example.com").doesNotContain("another long password").doesNotContain("argon2");
    assertThat(shortPassword.statusCode()).isEqualTo(400);
    assertThat(taken.statusCode()).isEqualTo(400);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/users?account_id=" + alice.accountId(), f.admin()).body())
        .contains("alice@example.com").contains("bob@example.com").doesNotContain("argon2");
  }

  @Test
  void anOperatorSignsInWithTheAdminTokenAndAWrongTokenIsRefused() {
    ConsoleHttp wrong = new ConsoleHttp(f);
    assertThat(wrong.signInAsOperator("tga-wrong").statusCode()).isEqualTo(401);

    ConsoleHttp operator = new ConsoleHttp(f);
    HttpResponse<String> signedIn = operator.signInAsOperator(f.adminToken);
    assertThat(signedIn.headers().firstValue("location")).hasValue("/console/ops/channels");
    assertThat(operator.get("/console/ops/channels").statusCode()).isEqualTo(200);
    assertThat(operator.get("/console/ops/channels").body()).contains("fragile");
  }

  @Test
  void anOperatorUserSignsInWithAPasswordAndUsesTheOperatorPagesUntilSigningOut() {
    assertThat(f.post("/admin/users", "{\"email\":\"ops@example.com\",\"password\":\"operator password\",\"role\":\"operator\"}",
        f.admin()).statusCode()).isEqualTo(201);
    ConsoleHttp operator = new ConsoleHttp(f);
    HttpResponse<String> signedIn = operator.signIn("ops@example.com", "operator password");
    assertThat(signedIn.headers().firstValue("location")).hasValue("/console/ops/channels");
    HttpResponse<String> accounts = operator.get("/console/ops/accounts");
    assertThat(accounts.statusCode()).isEqualTo(200);
    assertThat(accounts.body()).contains(alice.accountId()).contains("ops@example.com");

    String csrf = ConsoleHttp.csrfOf(accounts.body());
    operator.postForm("/console/sign-out", Map.of("csrf", csrf));
    assertThat(operator.get("/console/ops/accounts").headers().firstValue("location")).hasValue("/console/sign-in");
  }

  private static String sessionCookie(HttpResponse<String> response) {
    return response.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(ConsoleRoutes.SESSION_COOKIE + "="))
        .findFirst().orElseThrow(() -> new AssertionError("no session cookie: " + response.headers()));
  }
}

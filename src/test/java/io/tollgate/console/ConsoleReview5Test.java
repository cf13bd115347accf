package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review (review5) of the console's sign-in throttle. Each test fails while its bug is there. */
class ConsoleReview5Test {
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

  /**
   * The lockout is checked before the (slow, worker-thread) password check and recorded only after it, so guesses
   * sent at once all pass the check: the limit of 5 failures per 15 minutes bounds only sequential guesses.
   */
  @Test
  void concurrentSignInsAreLimitedByTheLockoutToo() {
    ConsoleHttp browser = new ConsoleHttp(f);
    String csrf = ConsoleHttp.csrfOf(browser.get("/console/sign-in").body());
    String cookie = ConsoleRoutes.SIGN_IN_COOKIE + "=" + browser.cookies.get(ConsoleRoutes.SIGN_IN_COOKIE);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    int guesses = 20;
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 0; i < guesses; i++) {
      sent.add(http.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/console/sign-in"))).timeout(Duration.ofSeconds(60))
          .header("content-type", "application/x-www-form-urlencoded").header("cookie", cookie)
          .POST(HttpRequest.BodyPublishers.ofString("csrf=" + csrf + "&email=alice%40example.com&password=wrong-guess-" + i))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    long checked = sent.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 401).count();
    // at most MAX_FAILURES guesses may be checked against the password; the rest must be refused with 429
    assertThat(checked).as("password guesses actually checked out of %d sent at once", guesses)
        .isLessThanOrEqualTo(SignInThrottle.MAX_FAILURES);
  }

  /**
   * When 100,000 names are tracked the throttle forgets every one of them: failures with throw-away e-mails unlock
   * the victim's locked e-mail (and the admin-token form) at once.
   */
  @Test
  void failuresOfOtherNamesDoNotUnlockALockedName() {
    SignInThrottle throttle = new SignInThrottle(Clock.systemUTC());
    for (int i = 0; i < SignInThrottle.MAX_FAILURES; i++) {
      throttle.attempt("alice@example.com");
    }
    assertThat(throttle.lockedUntil("alice@example.com")).isPositive();
    for (int i = 0; i < 100_000; i++) {
      throttle.attempt("junk" + i + "@example.com");
    }
    assertThat(throttle.lockedUntil("alice@example.com")).as("alice stays locked").isPositive();
  }

  /**
   * JsonContentType exempts the console by the raw path ({@code startsWith("/console/")}), but the router routes the
   * normalized path: {@code /console/../admin/accounts} reaches the admin API with a non-JSON body type, which every
   * other path refuses with 415 (the defence against cross-site "simple" form/text posts).
   */
  @Test
  void theConsolesContentTypeExemptionDoesNotReachTheApiThroughDotSegments() {
    for (String path : List.of("/console/../admin/accounts", "/console/%2e%2e/admin/accounts")) {
      String[] admin = f.admin();
      HttpResponse<String> reply = sendRaw(HttpRequest.newBuilder(URI.create(f.url(path))).timeout(Duration.ofSeconds(20))
          .header("content-type", "text/plain").header(admin[0], admin[1])
          .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"smuggled\"}")).build());
      assertThat(reply.statusCode()).as(path + " answered " + reply.body()).isEqualTo(415);
    }
  }

  /**
   * The wallet and research pages (and the operator's accounts page) show the {@code notice}/{@code error} query
   * parameters as the console's own status messages: escaped, but any link can make a trusted page say anything
   * (content spoofing / phishing text inside the signed-in console).
   */
  @Test
  void pagesDoNotShowArbitraryTextFromTheQueryStringAsTheirOwnMessages() {
    ConsoleHttp browser = new ConsoleHttp(f);
    browser.signIn("alice@example.com", PASSWORD);
    String text = "Your wallet is frozen: call +1-555-0100 and read out your password";
    String query = java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
    for (String page : List.of("/console/wallet?notice=" + query, "/console/wallet?error=" + query,
        "/console/research?error=" + query)) {
      HttpResponse<String> shown = browser.get(page);
      assertThat(shown.statusCode()).isEqualTo(200);
      assertThat(shown.body()).as(page).doesNotContain("call +1-555-0100");
    }
  }

  private static HttpResponse<String> sendRaw(HttpRequest request) {
    try {
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

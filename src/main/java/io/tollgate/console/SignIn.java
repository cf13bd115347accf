package io.tollgate.console;

import static io.tollgate.console.ConsoleRoutes.SESSION_COOKIE;
import static io.tollgate.console.ConsoleRoutes.SIGN_IN_COOKIE;
import static io.tollgate.console.ConsoleRoutes.cookie;
import static io.tollgate.console.ConsoleRoutes.csrfMatches;
import static io.tollgate.console.ConsoleRoutes.redirect;
import static io.tollgate.console.ConsoleRoutes.securityHeaders;
import static io.tollgate.console.ConsoleRoutes.send;

import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.store.StoreAccess;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.TenantSql;
import io.tollgate.tenants.Tenants;
import io.tollgate.users.User;
import io.tollgate.users.Users;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign-in page and form: a member or operator user by e-mail and password, or the operator by the admin token.
 * Attempts are throttled per name and per client address ({@link SignInThrottle}) before any password is checked.
 */
final class SignIn {
  private static final Logger LOG = LoggerFactory.getLogger(SignIn.class);
  private static final String ADMIN_TOKEN_NAME = "admin-token";
  private final ConsoleRoutes console;
  private final Sessions sessions;
  private final SignInThrottle throttle;
  private final SignInThrottle addresses;
  private final Users users;
  private final Keys keys;
  private final Tenants tenants;
  private final StoreAccess store;
  private final Loopback api;

  SignIn(ConsoleRoutes console, Sessions sessions, Users users, Keys keys, Tenants tenants, StoreAccess store, Loopback api,
      Clock clock) {
    this.console = console;
    this.sessions = sessions;
    this.users = users;
    this.keys = keys;
    this.tenants = tenants;
    this.store = store;
    this.api = api;
    this.throttle = new SignInThrottle(clock);
    this.addresses = new SignInThrottle(clock, SignInThrottle.MAX_FAILURES_PER_ADDRESS);
  }

  /** The per-name throttle, which a password change's check of the current password counts on too. */
  SignInThrottle names() {
    return throttle;
  }

  void page(RoutingContext ctx) {
    securityHeaders(ctx.response());
    if (console.signedIn(ctx)) {
      redirect(ctx, "/console");
      return;
    }
    renderSignIn(ctx, 200, null);
  }

  private void renderSignIn(RoutingContext ctx, int status, String error) {
    String token = Sessions.newToken();
    ctx.response().addCookie(cookie(ctx, SIGN_IN_COOKIE, token, 600));
    String csrf = "<input type=\"hidden\" name=\"csrf\" value=\"" + Html.e(token) + "\">";
    send(ctx, status, Html.page("Sign in", null, Html.notice(error, true)
        + "<div class=\"grid\"><section class=\"card\"><h2>Account member</h2><form method=\"post\" action=\"/console/sign-in\">" + csrf
        + "<label for=\"email\">E-mail</label><input type=\"email\" id=\"email\" name=\"email\" autocomplete=\"username\" required>"
        + "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
        + "<button type=\"submit\">Sign in</button></form></section>"
        + "<section class=\"card\"><h2>Operator</h2><form method=\"post\" action=\"/console/sign-in\">" + csrf
        + "<label for=\"admin_token\">Admin token</label><input type=\"password\" id=\"admin_token\" name=\"admin_token\" autocomplete=\"off\" required>"
        + "<button type=\"submit\">Sign in as operator</button></form></section></div>"));
  }

  void signIn(RoutingContext ctx) {
    securityHeaders(ctx.response());
    Cookie pre = ctx.request().getCookie(SIGN_IN_COOKIE);
    if (pre == null || !csrfMatches(ctx, pre.getValue())) {
      send(ctx, 403, Html.page("Refused", null, Html.notice("This sign-in form is missing its CSRF token or carries a wrong"
          + " one; reload the page and try again.", true)));
      return;
    }
    String adminToken = ctx.request().getFormAttribute("admin_token");
    String email = ctx.request().getFormAttribute("email");
    String name = adminToken != null ? ADMIN_TOKEN_NAME : email == null ? "" : email;
    String address = clientAddress(ctx);
    long lockedUntil = addresses.attempt(address);
    if (lockedUntil == 0) {
      lockedUntil = throttle.attempt(name);
    }
    if (lockedUntil > 0) {
      renderSignIn(ctx, 429, "Too many failed sign-ins: try again after " + Html.time(lockedUntil, console.zone()) + ".");
      return;
    }
    Future<Optional<Session>> attempt = adminToken != null ? operatorSession(adminToken)
        : userSession(email, ctx.request().getFormAttribute("password"));
    attempt.onSuccess(session -> {
      if (session.isEmpty()) {
        long delayMs = throttle.failed(name);
        console.vertx().setTimer(delayMs, id -> renderSignIn(ctx, 401, "Those credentials do not match. (A few more failures lock the"
            + " sign-in for " + SignInThrottle.WINDOW_MS / 60_000 + " minutes.)"));
        return;
      }
      throttle.succeeded(name);
      addresses.refund(address);
      sessions.add(session.get());
      ctx.response().addCookie(cookie(ctx, SESSION_COOKIE, session.get().id(), Sessions.TTL_MS / 1000));
      ctx.response().addCookie(cookie(ctx, SIGN_IN_COOKIE, "", 0));
      redirect(ctx, session.get().operator() ? "/console/ops/channels" : "/console/overview");
    }).onFailure(e -> {
      LOG.error("console sign-in failed", e);
      renderSignIn(ctx, 500, "Sign-in failed on the server's side; try again.");
    });
  }

  /**
   * The address the sign-in came from, as the socket saw it: a proxy's {@code X-Forwarded-For} is not trusted, since
   * any client could set it to get a fresh count.
   */
  private static String clientAddress(RoutingContext ctx) {
    io.vertx.core.net.SocketAddress remote = ctx.request().remoteAddress();
    return remote == null ? "-" : SignInThrottle.addressKey(remote.hostAddress() != null ? remote.hostAddress() : remote.host());
  }

  /** The admin token is checked by the admin API itself; the session keeps it in memory only. */
  private Future<Optional<Session>> operatorSession(String token) {
    return api.get("/admin/accounts", "Bearer " + token).map(reply -> reply.ok()
        ? Optional.of(new Session(Sessions.newToken(), null, null, Sessions.newToken(), null, null, token, true, sessions.expiry(),
            java.util.Base64.getEncoder().encodeToString(io.tollgate.auth.Secrets.sha256(token))))
        : Optional.empty());
  }

  /**
   * Checks the password on a worker (Argon2 is slow by design). A member's session gets a key minted in the account's
   * first project, expiring with the session: every page then reads the API as that key. An operator user's session
   * gets a random credential the admin API accepts while the session lives.
   */
  private Future<Optional<Session>> userSession(String email, String password) {
    return console.vertx().executeBlocking(() -> users.signIn(email, password).map(this::openSession), false);
  }

  private Session openSession(User user) {
    long expiresAtMs = sessions.expiry();
    if (user.operator()) {
      // the admin API accepts this credential while the session lives (AdminApi.acceptDelegated)
      return new Session(Sessions.newToken(), user, null, Sessions.newToken(), null, null, Sessions.newToken(), true, expiresAtMs,
          console.adminTokenFingerprint());
    }
    List<Project> projects = store.store().read(c -> TenantSql.projects(c, user.accountId()));
    Project project = projects.isEmpty() ? tenants.createProject(user.accountId(), "console") : projects.get(0);
    IssuedKey key = keys.create(project.id(), MemberPages.SESSION_KEY_NAME + " " + user.email(), KeyScope.DEFAULT, expiresAtMs);
    return new Session(Sessions.newToken(), user, user.accountId(), Sessions.newToken(), project.id(), key.key().id(),
        key.secret(), false, expiresAtMs, null);
  }
}

package io.tollgate.console;

import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.config.ConfigHolder;
import io.tollgate.store.StoreAccess;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.TenantSql;
import io.tollgate.tenants.Tenants;
import io.tollgate.users.User;
import io.tollgate.users.Users;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the console: sign-in and sign-out, the session and CSRF checks every page passes, the static assets, and
 * the member and operator pages. A member's pages read the API with the session's own key (so the API's project
 * scoping is the console's); an operator's with the admin token they signed in with.
 */
public final class ConsoleRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleRoutes.class);
  static final String PREFIX = "/console/";
  static final String SESSION_COOKIE = "tg_session";
  static final String SIGN_IN_COOKIE = "tg_signin";
  private static final String ADMIN_TOKEN_NAME = "admin-token";

  /** A page: renders HTML for the session, or fails with a {@link PageException}. */
  interface Page {
    Future<String> render(RoutingContext ctx, Session session);
  }

  private final Vertx vertx;
  private final Sessions sessions;
  private final SignInThrottle throttle;
  private final SignInThrottle addresses;
  private final Users users;
  private final Keys keys;
  private final Tenants tenants;
  private final StoreAccess store;
  private final ConfigHolder config;
  private final Loopback api;
  private final Clock clock;

  private final KeyAuthenticator auth;

  public ConsoleRoutes(Vertx vertx, StoreAccess store, Users users, Keys keys, KeyAuthenticator auth, Tenants tenants,
      ConfigHolder config, int port, Clock clock) {
    this.auth = auth;
    this.vertx = vertx;
    this.store = store;
    this.users = users;
    this.keys = keys;
    this.tenants = tenants;
    this.config = config;
    this.clock = clock;
    this.sessions = new Sessions(clock);
    this.throttle = new SignInThrottle(clock);
    this.addresses = new SignInThrottle(clock, SignInThrottle.MAX_FAILURES_PER_ADDRESS);
    this.api = new Loopback(vertx, port);
  }

  /**
   * Mounts the console under {@code /console} as a sub-router (its pages are HTML, not API operations, so they stay
   * out of the OpenAPI document's list of the router's routes), and {@code GET /} as a redirect to it.
   */
  public void mount(Router router) {
    router.route("/").handler(ctx -> redirectGet(ctx, "/console"));
    router.route("/console").handler(ctx -> redirectGet(ctx, "/console/overview"));
    Router console = Router.router(vertx);
    console.get("/assets/:file").handler(Assets::serve);
    console.get("/sign-in").handler(this::signInPage);
    console.post("/sign-in").handler(this::signIn);
    console.post("/sign-out").handler(ctx -> withSession(ctx, false, (c, s) -> signOut(c, s)));
    new MemberPages(this, api, keys, store, clock).mount(console);
    new OperatorPages(this, api).mount(console);
    router.route(PREFIX + "*").subRouter(console);
  }

  /**
   * Who holds {@code credential}, when it is a signed-in operator user's session's ({@code user:<e-mail>}): the admin
   * API then accepts it and audits the call under that name. Empty for any other, and once the admin token the session
   * began under was rotated.
   */
  public java.util.Optional<String> operatorCredential(String credential) {
    return sessions.operatorCredential(credential).filter(this::current).map(Session::actor);
  }

  /**
   * Ends every session of {@code userId} at once (revoking a member's session keys): the admin API calls it when it
   * disables a user or changes a password. A change made elsewhere (the CLI) ends them at their next page.
   */
  public void endSessionsOf(String userId) {
    sessions.removeUser(userId, null).forEach(this::end);
  }

  /** Where the console reads the fingerprint of the admin token in force (the admin API's, which rotates it). */
  public void adminToken(java.util.function.Supplier<String> fingerprint) {
    this.adminToken = java.util.Objects.requireNonNull(fingerprint, "fingerprint");
  }

  private volatile java.util.function.Supplier<String> adminToken = () -> null;

  /** Whether an operator's session began under the admin token still in force; a member's always is. */
  private boolean current(Session session) {
    return !session.operator() || java.util.Objects.equals(session.adminToken(), adminToken.get());
  }

  ZoneId zone() {
    return config.current().timeZone();
  }

  long nowMs() {
    return clock.millis();
  }

  java.time.LocalDate today() {
    return java.time.LocalDate.now(clock.withZone(zone()));
  }

  Vertx vertx() {
    return vertx;
  }

  /** Mounts {@code page} (its full path, {@code /console/...}) for members only; operators are sent to their own pages. */
  void member(Router console, HttpMethod method, String path, Page page) {
    console.route(method, relative(path)).handler(ctx -> withSession(ctx, false, page));
  }

  /** Mounts {@code page} (its full path) for operators only; a member gets 403. */
  void operator(Router console, HttpMethod method, String path, Page page) {
    console.route(method, relative(path)).handler(ctx -> withSession(ctx, true, page));
  }

  private static String relative(String path) {
    if (!path.startsWith(PREFIX)) {
      throw new IllegalArgumentException("console page: " + path + " (expected: under " + PREFIX + ")");
    }
    return path.substring(PREFIX.length() - 1);
  }

  private void withSession(RoutingContext ctx, boolean operatorPage, Page page) {
    securityHeaders(ctx.response());
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    Optional<Session> found = sessions.find(cookie == null ? null : cookie.getValue());
    if (found.isEmpty()) {
      withSession(ctx, operatorPage, page, found);
      return;
    }
    Session session = found.get();
    live(session).onComplete(live -> {
      if (live.succeeded() && live.result()) {
        withSession(ctx, operatorPage, page, found);
      } else {
        if (live.failed()) {
          LOG.error("console session check failed", live.cause());
        }
        end(session);
        withSession(ctx, operatorPage, page, Optional.empty());
      }
    });
  }

  /**
   * Whether a session may go on: an operator's began under the admin token still in force; a user's user is still
   * enabled, with the password they signed in with (a change made by the CLI or the admin API, even in another
   * process, bumps the user's session epoch).
   */
  private Future<Boolean> live(Session session) {
    if (!current(session)) {
      return Future.succeededFuture(false);
    }
    return session.user() == null ? Future.succeededFuture(true) : store.read(c -> Users.sessionStillValid(c, session.user()));
  }

  /** Ends a session that may no longer go on: forgotten, and its key revoked. */
  private void end(Session session) {
    sessions.remove(session.id());
    if (session.keyId() != null) {
      revoke(session.keyId()).onFailure(e -> LOG.error("revoking the key of an ended console session failed", e));
    }
  }

  private void withSession(RoutingContext ctx, boolean operatorPage, Page page, Optional<Session> found) {
    if (found.isEmpty()) {
      if (ctx.request().method() == HttpMethod.GET) {
        redirect(ctx, "/console/sign-in");
      } else {
        send(ctx, 403, Html.page("Refused", null, Html.notice("Not signed in (or the session ended): sign in again.", true)));
      }
      return;
    }
    Session session = found.get();
    if (ctx.request().method() != HttpMethod.GET && !csrfMatches(ctx, session.csrf())) {
      send(ctx, 403, Html.page("Refused", session, Html.notice("This form is missing its CSRF token or carries a wrong one;"
          + " reload the page and try again.", true)));
      return;
    }
    boolean signOut = ctx.request().path().equals("/console/sign-out");
    if (!signOut && operatorPage != session.operator()) {
      if (session.operator() && ctx.request().method() == HttpMethod.GET) {
        redirect(ctx, "/console/ops/channels");
      } else {
        send(ctx, 403, Html.page("Refused", session, Html.notice(operatorPage ? "Operators only." : "Members' page.", true)));
      }
      return;
    }
    page.render(ctx, session)
        .onSuccess(html -> {
          if (!ctx.response().ended() && !ctx.response().headWritten()) {
            send(ctx, 200, html);
          }
        })
        .onFailure(e -> {
          if (ctx.response().headWritten()) {
            return;
          }
          if (e instanceof PageException page404) {
            send(ctx, page404.status(), Html.page(page404.title(), session, Html.notice(page404.getMessage(), true)));
          } else {
            String ref = "err_" + Long.toString(clock.millis(), 36);
            LOG.error("console page {} failed ({})", ctx.request().path(), ref, e);
            send(ctx, 500, Html.page("Something went wrong", session, Html.notice("The page failed; the log has " + ref + ".", true)));
          }
        });
  }

  private static boolean csrfMatches(RoutingContext ctx, String expected) {
    String presented = ctx.request().getHeader("x-csrf-token");
    if (presented == null) {
      presented = ctx.request().getFormAttribute("csrf");
    }
    return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
  }

  private void signInPage(RoutingContext ctx) {
    securityHeaders(ctx.response());
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    if (sessions.find(cookie == null ? null : cookie.getValue()).isPresent()) {
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

  private void signIn(RoutingContext ctx) {
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
      renderSignIn(ctx, 429, "Too many failed sign-ins: try again after " + Html.time(lockedUntil, zone()) + ".");
      return;
    }
    Future<Optional<Session>> attempt = adminToken != null ? operatorSession(adminToken)
        : userSession(email, ctx.request().getFormAttribute("password"));
    attempt.onSuccess(session -> {
      if (session.isEmpty()) {
        long delayMs = throttle.failed(name);
        vertx.setTimer(delayMs, id -> renderSignIn(ctx, 401, "Those credentials do not match. (A few more failures lock the"
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
    return remote == null ? "-" : "address " + (remote.hostAddress() != null ? remote.hostAddress() : remote.host());
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
    return vertx.executeBlocking(() -> users.signIn(email, password).map(this::openSession), false);
  }

  private Session openSession(User user) {
    long expiresAtMs = sessions.expiry();
    if (user.operator()) {
      // the admin API accepts this credential while the session lives (AdminApi.acceptDelegated)
      return new Session(Sessions.newToken(), user, null, Sessions.newToken(), null, null, Sessions.newToken(), true, expiresAtMs,
          adminToken.get());
    }
    List<Project> projects = store.store().read(c -> TenantSql.projects(c, user.accountId()));
    Project project = projects.isEmpty() ? tenants.createProject(user.accountId(), "console") : projects.get(0);
    IssuedKey key = keys.create(project.id(), MemberPages.SESSION_KEY_NAME + " " + user.email(), KeyScope.DEFAULT, expiresAtMs);
    return new Session(Sessions.newToken(), user, user.accountId(), Sessions.newToken(), project.id(), key.key().id(),
        key.secret(), false, expiresAtMs, null);
  }

  private Future<String> signOut(RoutingContext ctx, Session session) {
    sessions.remove(session.id());
    ctx.response().addCookie(cookie(ctx, SESSION_COOKIE, "", 0));
    Future<Boolean> revoked = session.keyId() == null ? Future.succeededFuture(false) : revoke(session.keyId());
    return revoked.map(r -> {
      redirect(ctx, "/console/sign-in");
      return "";
    });
  }

  /** Revokes a key as the admin API does: in the store, then out of the authenticator's cache, so it stops at once. */
  Future<Boolean> revoke(String keyId) {
    return vertx.executeBlocking(() -> {
      boolean done = keys.revoke(keyId);
      keys.byId(keyId).ifPresent(key -> auth.invalidate(key.prefix()));
      return done;
    }, false);
  }

  /** {@code HttpOnly}, {@code SameSite=Strict}, path {@code /console}, and {@code Secure} when the request came over TLS. */
  private static Cookie cookie(RoutingContext ctx, String name, String value, long maxAgeSeconds) {
    boolean tls = ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("x-forwarded-proto"));
    return Cookie.cookie(name, value).setPath("/console").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(tls).setMaxAge(maxAgeSeconds);
  }

  static void securityHeaders(HttpServerResponse response) {
    response.putHeader("cache-control", "no-store")
        .putHeader("x-frame-options", "DENY")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "same-origin")
        .putHeader("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
            + " frame-ancestors 'none'; form-action 'self'");
  }

  static void send(RoutingContext ctx, int status, String html) {
    ctx.response().setStatusCode(status).putHeader("content-type", "text/html; charset=utf-8").end(html);
  }

  /** Redirects a GET or HEAD; any other method goes on to the router's 404 or 405. */
  private static void redirectGet(RoutingContext ctx, String location) {
    if (ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD) {
      redirect(ctx, location);
    } else {
      ctx.next();
    }
  }

  static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(303).putHeader("location", location).end();
  }
}

package io.tollgate.console;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.auth.Keys;
import io.tollgate.config.ConfigHolder;
import io.tollgate.store.StoreAccess;
import io.tollgate.tenants.Tenants;
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
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
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

  /** A page: renders HTML for the session, or fails with a {@link PageException}. */
  interface Page {
    Future<String> render(RoutingContext ctx, Session session);
  }

  private final Vertx vertx;
  private final Sessions sessions;
  private final Keys keys;
  private final StoreAccess store;
  private final ConfigHolder config;
  private final Loopback api;
  private final EventStreams eventStreams;
  private final Clock clock;

  private final KeyAuthenticator auth;
  private final SignIn signIn;
  private final PasswordPage password;

  public ConsoleRoutes(Vertx vertx, StoreAccess store, Users users, Keys keys, KeyAuthenticator auth, Tenants tenants,
      ConfigHolder config, int port, Clock clock) {
    this.auth = auth;
    this.vertx = vertx;
    this.store = store;
    this.keys = keys;
    this.config = config;
    this.clock = clock;
    this.sessions = new Sessions(clock);
    this.api = new Loopback(vertx, port);
    this.eventStreams = new EventStreams(new Loopback(vertx, port, EventStreams.MAX_CONNECTIONS));
    this.signIn = new SignIn(this, sessions, users, keys, tenants, store, api, clock);
    this.password = new PasswordPage(this, sessions, signIn, users);
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
    console.get("/sign-in").handler(signIn::page);
    console.post("/sign-in").handler(signIn::signIn);
    console.post("/sign-out").handler(ctx -> withSession(ctx, null, (c, s) -> signOut(c, s)));
    password.mount(console);
    new MemberPages(this, api, keys, store, clock).mount(console);
    new OperatorPages(this, api).mount(console);
    router.route(PREFIX + "*").subRouter(console);
  }

  /**
   * Who holds {@code credential}, when it is a signed-in operator user's session's ({@code user:<e-mail>}): the admin
   * API then accepts it and audits the call under that name. Empty for any other, and once the admin token the session
   * began under was rotated.
   */
  public Optional<String> operatorCredential(String credential) {
    return sessions.operatorCredential(credential).filter(this::current).map(Session::actor);
  }

  /**
   * Ends every session of {@code userId} at once, revoking a member's session keys before it returns: the admin API
   * calls it, on a worker (it blocks), when it disables a user or changes a password. A change made elsewhere (the
   * CLI) ends them at their next page.
   */
  public void endSessionsOf(String userId) {
    for (Session ended : sessions.removeUser(userId, null)) {
      if (ended.keyId() != null) {
        keys.revoke(ended.keyId());
        keys.byId(ended.keyId()).ifPresent(key -> auth.invalidate(key.prefix()));
      }
    }
  }

  /** Ends every session of {@code userId} but {@code keptSessionId} (null for none). */
  void endOtherSessions(String userId, String keptSessionId) {
    sessions.removeUser(userId, keptSessionId).forEach(this::end);
  }

  /** Where the console reads the fingerprint of the admin token in force (the admin API's, which rotates it). */
  public void adminToken(Supplier<String> fingerprint) {
    this.adminToken = Objects.requireNonNull(fingerprint, "fingerprint");
  }

  private volatile Supplier<String> adminToken = () -> null;

  /**
   * How the console brings the admin token's fingerprint up to date before it checks an operator's session (on a
   * shared store, a read of the hash another gateway may have rotated); done at once by default.
   */
  public void adminTokenRefresh(Supplier<Future<Void>> refresh) {
    this.adminTokenRefresh = Objects.requireNonNull(refresh, "refresh");
  }

  private volatile Supplier<Future<Void>> adminTokenRefresh = Future::succeededFuture;

  /** The fingerprint of the admin token in force; null before one exists. */
  String adminTokenFingerprint() {
    return adminToken.get();
  }

  /** Whether an operator's session began under the admin token still in force; a member's always is. */
  private boolean current(Session session) {
    return !session.operator() || Objects.equals(session.adminToken(), adminToken.get());
  }

  /** The research event streams' pass-through, on a loopback pool of their own. */
  EventStreams eventStreams() {
    return eventStreams;
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

  /** Mounts {@code page} (its full path) for anyone signed in, member or operator. */
  void anyone(Router console, HttpMethod method, String path, Page page) {
    console.route(method, relative(path)).handler(ctx -> withSession(ctx, null, page));
  }

  private static String relative(String path) {
    if (!path.startsWith(PREFIX)) {
      throw new IllegalArgumentException("console page: " + path + " (expected: under " + PREFIX + ")");
    }
    return path.substring(PREFIX.length() - 1);
  }

  /** {@code operatorPage}: true for operators only, false for members only, null for anyone. */
  private void withSession(RoutingContext ctx, Boolean operatorPage, Page page) {
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
   * Whether a session may go on: an operator's began under the admin token still in force (read from a shared store
   * first, see {@link #adminTokenRefresh}); a user's user is still
   * enabled, with the password they signed in with (a change made by the CLI or the admin API, even in another
   * process, bumps the user's session epoch).
   */
  private Future<Boolean> live(Session session) {
    Future<Void> fresh = session.operator() ? adminTokenRefresh.get() : Future.succeededFuture();
    return fresh.compose(read -> stillLive(session));
  }

  private Future<Boolean> stillLive(Session session) {
    if (!current(session)) {
      return Future.succeededFuture(false);
    }
    return session.user() == null ? Future.succeededFuture(true) : store.read(c -> Users.sessionStillValid(c, session.user()));
  }

  /** Whether a request carries the cookie of a live session (whose page then redirects away from sign-in). */
  boolean signedIn(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(SESSION_COOKIE);
    return sessions.find(cookie == null ? null : cookie.getValue()).filter(this::current).isPresent();
  }

  /** Ends a session that may no longer go on: forgotten, and its key revoked. */
  private void end(Session session) {
    sessions.remove(session.id());
    if (session.keyId() != null) {
      revoke(session.keyId()).onFailure(e -> LOG.error("revoking the key of an ended console session failed", e));
    }
  }

  private void withSession(RoutingContext ctx, Boolean operatorPage, Page page, Optional<Session> found) {
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
    if (operatorPage != null && operatorPage != session.operator()) {
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
            send(ctx, page404.status(), Html.page(page404.title(), session, Html.notice(page404.getMessage(), true) + page404.after()));
          } else {
            String ref = "err_" + Long.toString(clock.millis(), 36);
            LOG.error("console page {} failed ({})", ctx.request().path(), ref, e);
            send(ctx, 500, Html.page("Something went wrong", session, Html.notice("The page failed; the log has " + ref + ".", true)));
          }
        });
  }

  static boolean csrfMatches(RoutingContext ctx, String expected) {
    String presented = ctx.request().getHeader("x-csrf-token");
    if (presented == null) {
      presented = ctx.request().getFormAttribute("csrf");
    }
    return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
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
  static Cookie cookie(RoutingContext ctx, String name, String value, long maxAgeSeconds) {
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

package io.tollgate.console;

import io.tollgate.users.Passwords;
import io.tollgate.users.User;
import io.tollgate.users.Users;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * A signed-in user changes their own password: the current one first (a wrong one counts toward the sign-in lockout
 * of their e-mail), then the new one twice. Every other session of the user ends; this one goes on. An operator signed
 * in with the admin token has no password here.
 */
final class PasswordPage {
  private final ConsoleRoutes console;
  private final Sessions sessions;
  private final SignIn signIn;
  private final Users users;

  PasswordPage(ConsoleRoutes console, Sessions sessions, SignIn signIn, Users users) {
    this.console = console;
    this.sessions = sessions;
    this.signIn = signIn;
    this.users = users;
  }

  void mount(Router router) {
    console.anyone(router, HttpMethod.GET, "/console/password", (ctx, s) -> Future.succeededFuture(page(s,
        Html.notice(Forms.flashed(ctx, s, "notice"), false) + Html.notice(Forms.flashed(ctx, s, "error"), true))));
    console.anyone(router, HttpMethod.POST, "/console/password", this::change);
  }

  private static String page(Session session, String top) {
    if (session.user() == null) {
      return Html.page("Password", session, "<p>You signed in with the admin token, which has no password here: rotate it"
          + " with <code>POST /admin/token/rotate</code> or <code>tollgate admin-token rotate</code>.</p>");
    }
    return Html.page("Password", session, top + "<section class=\"card\"><h2>Change your password</h2>"
        + "<form method=\"post\" action=\"/console/password\">" + Html.csrfField(session)
        + "<label for=\"current\">Current password</label><input type=\"password\" id=\"current\" name=\"current\""
        + " autocomplete=\"current-password\" required>"
        + "<label for=\"password\">New password (at least " + Passwords.MIN_LENGTH + " characters)</label><input type=\"password\""
        + " id=\"password\" name=\"password\" autocomplete=\"new-password\" minlength=\"" + Passwords.MIN_LENGTH + "\" required>"
        + "<label for=\"again\">New password again</label><input type=\"password\" id=\"again\" name=\"again\""
        + " autocomplete=\"new-password\" required>"
        + "<p>Your other sessions end; this one goes on.</p><button type=\"submit\">Change password</button></form></section>");
  }

  private Future<String> change(RoutingContext ctx, Session session) {
    if (session.user() == null) {
      return Future.succeededFuture(page(session, ""));
    }
    String current = ctx.request().getFormAttribute("current");
    String password = ctx.request().getFormAttribute("password");
    if (password == null || !password.equals(ctx.request().getFormAttribute("again"))) {
      return back(ctx, session, "error", "The two new passwords differ.");
    }
    if (password.length() < Passwords.MIN_LENGTH) {
      return back(ctx, session, "error", "The new password is too short (at least " + Passwords.MIN_LENGTH + " characters).");
    }
    String email = session.user().email();
    long lockedUntil = signIn.names().attempt(email);
    if (lockedUntil > 0) {
      return back(ctx, session, "error", "Too many wrong passwords: try again after " + Html.time(lockedUntil, console.zone()) + ".");
    }
    return console.vertx().<Optional<User>>executeBlocking(() -> {
      if (users.signIn(email, current).isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(users.changePassword(session.user().id(), password));
    }, false).compose(changed -> {
      if (changed.isEmpty()) {
        signIn.names().failed(email);
        return back(ctx, session, "error", "The current password does not match.");
      }
      signIn.names().succeeded(email);
      sessions.replace(session.withUser(changed.get()));
      console.endOtherSessions(changed.get().id(), session.id());
      return back(ctx, session, "notice", "Password changed; your other sessions have ended.");
    });
  }

  private static Future<String> back(RoutingContext ctx, Session session, String kind, String text) {
    ConsoleRoutes.redirect(ctx, "/console/password?" + Forms.flash(session, kind, text));
    return Future.succeededFuture("");
  }
}

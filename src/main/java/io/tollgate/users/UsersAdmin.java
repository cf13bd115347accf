package io.tollgate.users;

import io.tollgate.http.ApiException;
import io.tollgate.http.Audit;
import io.tollgate.http.JsonBody;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code POST /admin/users}, {@code GET /admin/users}, {@code POST /admin/users/{id}/disable} and {@code .../enable},
 * {@code PUT /admin/users/{id}/password}: console users, behind the admin token (mounted after the
 * admin API, whose {@code /admin/*} guard runs first). The password is hashed on a worker and never echoed.
 */
public final class UsersAdmin {
  private final Vertx vertx;
  private final Users users;
  private final java.util.function.Consumer<String> endSessions;

  /** {@code endSessions} ends the live console sessions of a user id, once disabled or given a new password. */
  public UsersAdmin(Vertx vertx, Users users, java.util.function.Consumer<String> endSessions) {
    this.vertx = vertx;
    this.users = users;
    this.endSessions = endSessions;
  }

  public void mount(Router router) {
    router.post("/admin/users").handler(ctx -> run(ctx, 201, () -> create(JsonBody.read(ctx))));
    router.get("/admin/users").handler(ctx -> run(ctx, 200, () -> Map.of("object", "list",
        "data", users.list(ctx.request().getParam("account_id")).stream().map(UsersAdmin::view).toList())));
    router.post("/admin/users/:id/disable").handler(ctx -> run(ctx, 200, () -> ended(known(() -> users.disable(ctx.pathParam("id"))))));
    router.post("/admin/users/:id/enable").handler(ctx -> run(ctx, 200, () -> view(known(() -> users.enable(ctx.pathParam("id"))))));
    router.put("/admin/users/:id/password").handler(ctx -> run(ctx, 200, () -> {
      String password = JsonBody.read(ctx).text("password");
      if (password.length() < Passwords.MIN_LENGTH) {
        throw ApiException.invalid("password", "invalid_value", "password: too short (expected: at least "
            + Passwords.MIN_LENGTH + " characters)");
      }
      return ended(known(() -> users.changePassword(ctx.pathParam("id"), password)));
    }));
  }

  private Object ended(User user) {
    endSessions.accept(user.id());
    return view(user);
  }

  /** The user {@code change} returns; an unknown one is a 404. */
  private static User known(java.util.function.Supplier<User> change) {
    try {
      return change.get();
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("user_not_found", "id", e.getMessage());
    }
  }

  private Object create(JsonBody body) {
    String roleName = body.optionalText("role", "'member' or 'operator'");
    Role role;
    try {
      role = roleName == null ? Role.MEMBER : Role.fromWire(roleName);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("role", "invalid_value", "role: '" + roleName + "' (expected: 'member' or 'operator')");
    }
    try {
      return view(users.create(body.optionalText("account_id"), body.text("email"), body.text("password"), role));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(null, "invalid_value", e.getMessage());
    }
  }

  static Map<String, Object> view(User user) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "console_user");
    out.put("id", user.id());
    out.put("email", user.email());
    out.put("role", user.role().wireName());
    out.put("account_id", user.accountId());
    out.put("disabled", user.disabled());
    out.put("created_at", user.createdAtMs() / 1000);
    return out;
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Audit.respond(vertx, ctx, status, work, e -> e);
  }
}

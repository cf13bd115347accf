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
 * {@code POST /admin/users} and {@code GET /admin/users}: console users, behind the admin token (mounted after the
 * admin API, whose {@code /admin/*} guard runs first). The password is hashed on a worker and never echoed.
 */
public final class UsersAdmin {
  private final Vertx vertx;
  private final Users users;

  public UsersAdmin(Vertx vertx, Users users) {
    this.vertx = vertx;
    this.users = users;
  }

  public void mount(Router router) {
    router.post("/admin/users").handler(ctx -> run(ctx, 201, () -> create(JsonBody.read(ctx))));
    router.get("/admin/users").handler(ctx -> run(ctx, 200, () -> Map.of("object", "list",
        "data", users.list(ctx.request().getParam("account_id")).stream().map(UsersAdmin::view).toList())));
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
    out.put("created_at", user.createdAtMs() / 1000);
    return out;
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Audit.respond(vertx, ctx, status, work, e -> e);
  }
}

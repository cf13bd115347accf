package io.tollgate.limits;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.http.ApiException;
import io.tollgate.http.Audit;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
import io.tollgate.http.Requests;
import io.tollgate.json.Json;
import io.tollgate.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Reading and setting limits: {@code /v1/limits} for a key's owner (read all that apply; tighten, never loosen,
 * the key's own), and {@code /admin/limits} plus {@code /admin/routes/spend} for the operator.
 */
public final class LimitsApi {
  private final Vertx vertx;
  private final Store store;
  private final Limits limits;
  private final KeyAuthenticator auth;
  private final ConfigHolder config;
  private final Clock clock;

  public LimitsApi(Vertx vertx, Store store, Limits limits, KeyAuthenticator auth, ConfigHolder config, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.limits = limits;
    this.auth = auth;
    this.config = config;
    this.clock = clock;
  }

  /** The key owner's routes. */
  public void mountPublic(Router router) {
    router.get("/v1/limits").handler(ctx -> withKey(ctx, 200, key ->
        Map.of("object", "list", "data", applying(key, ctx.request().getParam("keys")))));
    router.post("/v1/limits").handler(ctx -> withKey(ctx, 201, key -> tighten(JsonBody.read(ctx), key)));
  }

  /**
   * The limits that apply to {@code key}; with {@code keys=project}, to any live key of its project (the console's
   * overview: a member signs in with a session key of their own, and their other keys' limits apply to them too).
   */
  private List<Map<String, Object>> applying(ApiKey key, String keys) {
    if (keys == null || keys.equals("self")) {
      return LimitViews.forKey(limits, limits.stored(), config.current(), key, clock);
    }
    if (!keys.equals("project")) {
      throw ApiException.invalid("keys", "invalid_value", "'keys' must be self (the default) or project.");
    }
    long nowMs = clock.millis();
    List<ApiKey> live = new java.util.ArrayList<>(store.read(c -> io.tollgate.auth.KeySql.list(c, key.projectId())).stream()
        .filter(k -> !k.revoked() && !k.expired(nowMs) && !k.id().equals(key.id())).toList());
    live.add(0, key);
    return LimitViews.forKeys(limits, limits.stored(), config.current(), key, live, true, clock);
  }

  /** The operator's routes; mount behind the admin token. */
  public void mountAdmin(Router router) {
    router.post("/admin/limits").handler(ctx -> run(ctx, 201, () -> set(body(ctx))));
    router.get("/admin/limits").handler(ctx -> run(ctx, 200, () -> Map.of("object", "list", "data", adminList(ctx.request().getParam("subject")))));
    router.delete("/admin/limits/:id").handler(ctx -> run(ctx, 200, () -> clear(ctx.pathParam("id"))));
    router.get("/admin/routes/spend").handler(ctx -> run(ctx, 200, () -> spend(ctx.request().getParam("date"))));
  }

  /** Sets a tenant limit (creating it, or replacing the cap of the one of the same shape). Blocking; shared with the CLI. */
  public static Limit set(Store store, Limits limits, JsonObject json, long nowMs) {
    JsonBody body = JsonBody.of(json);
    Scope scope = Scope.parse(body.text("scope", "account, project, key, route_key or route_project"));
    if (scope == null || !scope.tenantScoped()) {
      throw ApiException.invalid("scope", "invalid_value",
          "'scope' must be account, project, key, route_key or route_project (route and channel limits live in the YAML file).");
    }
    String subject = body.text("subject", "an account, project or key id");
    boolean exists = store.read(c -> {
      String table = switch (scope) {
        case ACCOUNT -> "accounts";
        case PROJECT, ROUTE_PROJECT -> "projects";
        default -> "api_keys";
      };
      try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM " + table + " WHERE id = ?")) {
        s.setString(1, subject);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next();
        }
      }
    });
    if (!exists) {
      throw ApiException.notFound("subject_not_found", "subject", "No " + scope.wireName().replace("route_", "") + " '" + subject + "'.");
    }
    Limit limit = LimitRequest.parse(body, scope, subject, "admin", nowMs);
    Limit stored = store.writeNow(c -> LimitSql.upsert(c, limit, nowMs));
    limits.refreshDefinitions();
    return stored;
  }

  /**
   * Why {@code POST /v1/limits} would refuse {@code json} as a key's own limit, read by the same rules, without storing
   * anything (the console checks a new key's limits with it before making the key); null when it would be read.
   * Pure, so callable on an event loop; the operator's cap of the same shape is checked only when the limit is set.
   */
  public static String ownLimitRefusal(JsonObject json, long nowMs) {
    JsonBody body = JsonBody.of(json);
    try {
      LimitRequest.parse(body, body.optionalText("model", "a catalog model id") == null ? Scope.KEY : Scope.ROUTE_KEY,
          "key", "owner", nowMs);
      return null;
    } catch (ApiException e) {
      return e.getMessage();
    }
  }

  private Object set(JsonObject body) {
    return view(set(store, limits, body, clock.millis()));
  }

  private Object tighten(JsonBody body, ApiKey key) {
    Scope scope = body.optionalText("model", "a catalog model id") == null ? Scope.KEY : Scope.ROUTE_KEY;
    Limit wanted = LimitRequest.parse(body, scope, key.id(), "owner", clock.millis());
    // the owner's limit is its own row: the operator's of the same shape still applies, and only the operator edits it
    Optional<Limit> operators = store.read(c -> LimitSql.sameShape(c, wanted, "admin"));
    if (operators.isPresent() && wanted.cap() > operators.get().cap()) {
      throw ApiException.forbidden("limit_loosening_not_allowed", "cap", "'cap': " + wanted.cap() + " (expected: at most "
          + operators.get().cap() + ", the operator's " + wanted.label() + " cap, which applies whatever a key's owner sets;"
          + " ask the operator to raise it)");
    }
    Limit stored = store.writeNow(c -> LimitSql.upsert(c, wanted, clock.millis()));
    limits.refreshDefinitions();
    return view(stored);
  }

  private Object clear(String id) {
    if (!store.writeNow(c -> LimitSql.delete(c, id))) {
      throw ApiException.notFound("limit_not_found", "id", "No stored limit '" + id + "'.");
    }
    limits.refreshDefinitions();
    return Map.of("id", id, "deleted", true);
  }

  private List<Map<String, Object>> adminList(String subject) {
    GatewayConfig current = config.current();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Limit limit : limits.configured(current)) {
      if (subject == null) {
        out.add(configuredView(limit, null));
      } else if (limit.perAccount() && subject.startsWith("acct_")) {
        // a configured limit counted per account: this account's own count
        out.add(configuredView(limit, subject));
      }
    }
    for (Limit limit : limits.stored()) {
      if (subject == null || limit.subject().equals(subject)) {
        out.add(LimitViews.view(limits, limit, limit.subject(), current, clock.instant()));
      }
    }
    return out;
  }

  /**
   * A configured (YAML) limit as the operator reads it: a shared one with its one count; one counted per account with
   * {@code account}'s count, or, for no account, with its cap only (there is no one figure to show).
   */
  private Map<String, Object> configuredView(Limit limit, String account) {
    if (!limit.perAccount()) {
      return LimitViews.view(limits, limit, "operator", config.current(), clock.instant());
    }
    Map<String, Object> view = LimitViews.view(limits, limit, account == null ? "operator" : account, config.current(),
        clock.instant());
    if (account == null) {
      view.remove("spent");
      view.remove("held");
      view.remove("remaining");
    }
    return view;
  }

  private Map<String, Object> view(Limit limit) {
    return LimitViews.view(limits, limit, limit.subject(), config.current(), clock.instant());
  }

  /** Spend per route and bucket over one calendar day in the configured time zone. */
  private Object spend(String date) {
    ZoneId zone = config.current().timeZone();
    LocalDate day;
    try {
      day = date == null ? LocalDate.now(clock.withZone(zone)) : LocalDate.parse(date);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid("date", "invalid_value", "'date' must be YYYY-MM-DD.");
    }
    long from = day.atStartOfDay(zone).toInstant().toEpochMilli();
    long to = day.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
    List<Map<String, Object>> routes = store.read(c -> {
      List<Map<String, Object>> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT r.model, r.route_type, t.bucket, COUNT(*), SUM(t.amount)"
          + " FROM receipts r JOIN transfers t ON t.id = r.transfer_id WHERE r.created_at >= ? AND r.created_at < ?"
          + " GROUP BY r.model, r.route_type, t.bucket ORDER BY r.model, r.route_type, t.bucket")) {
        s.setLong(1, from);
        s.setLong(2, to);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("model", rs.getString(1));
            row.put("route_type", rs.getString(2));
            row.put("bucket", rs.getString(3));
            row.put("charged_requests", rs.getLong(4));
            row.put("spend_micros", rs.getLong(5));
            out.add(row);
          }
        }
      }
      return out;
    });
    Map<String, Long> perBucket = new LinkedHashMap<>();
    routes.forEach(r -> perBucket.merge((String) r.get("bucket"), (Long) r.get("spend_micros"), Long::sum));
    // the route limits beside the spend: a shared one with what it counts now; one counted per account with its cap
    // only (each account has its own count, on GET /admin/limits and the account's /v1/limits)
    List<Map<String, Object>> routeLimits = new ArrayList<>();
    for (Limit limit : limits.configured(config.current())) {
      if (limit.scope() == Scope.ROUTE) {
        routeLimits.add(configuredView(limit, null));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", day.toString());
    out.put("time_zone", zone.getId());
    out.put("routes", routes);
    out.put("buckets", perBucket);
    out.put("limits", routeLimits);
    return out;
  }

  private void withKey(RoutingContext ctx, int status, java.util.function.Function<ApiKey, Object> work) {
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> vertx.executeBlocking(() -> work.apply(key), false))
        .onSuccess(value -> ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(Json.write(value)))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Audit.respond(vertx, ctx, status, work, e -> e);
  }


  private static JsonObject body(RoutingContext ctx) {
    return Requests.jsonBody(ctx);
  }

}

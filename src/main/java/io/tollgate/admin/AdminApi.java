package io.tollgate.admin;

import io.tollgate.auth.AdminToken;
import io.tollgate.auth.ApiKey;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.KeySql;
import io.tollgate.auth.Keys;
import io.tollgate.auth.ScopeJson;
import io.tollgate.auth.Secrets;
import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.GatewayConfig;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.Requests;
import io.tollgate.json.Json;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.receipts.ReceiptsHandler;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Mounts the admin routes. Every call needs {@code Authorization: Bearer tga-...}; blocking work runs on a worker. */
public final class AdminApi {
  private final Vertx vertx;
  private final Store store;
  private final Tenants tenants;
  private final Keys keys;
  private final KeyAuthenticator auth;
  private final ConfigHolder config;
  private final ReceiptsHandler receipts;
  private final byte[] tokenHash;

  public AdminApi(Vertx vertx, Store store, Tenants tenants, Keys keys, KeyAuthenticator auth, ConfigHolder config,
      ReceiptsHandler receipts) {
    this.vertx = vertx;
    this.store = store;
    this.tenants = tenants;
    this.keys = keys;
    this.auth = auth;
    this.config = config;
    this.receipts = receipts;
    this.tokenHash = AdminToken.storedHash(store).orElse(null);
  }

  public void mount(Router router) {
    router.route("/admin/*").handler(this::authenticate);
    router.post("/admin/accounts").handler(ctx -> run(ctx, 201, () -> tenants.createAccount(text(ctx, "name"))));
    router.get("/admin/accounts").handler(ctx -> run(ctx, 200, () -> list(tenants.accounts())));
    router.post("/admin/accounts/:id/projects").handler(ctx ->
        run(ctx, 201, () -> tenants.createProject(ctx.pathParam("id"), text(ctx, "name"))));
    router.get("/admin/projects").handler(ctx -> run(ctx, 200, () -> list(tenants.projects(ctx.request().getParam("account_id")))));
    router.post("/admin/projects/:id/keys").handler(ctx -> run(ctx, 201, () -> issue(ctx)));
    router.get("/admin/keys").handler(ctx -> run(ctx, 200,
        () -> list(store.read(c -> KeySql.list(c, ctx.request().getParam("project_id"))).stream().map(AdminApi::view).toList())));
    router.post("/admin/keys/:id/revoke").handler(ctx -> run(ctx, 200, () -> revoke(ctx.pathParam("id"))));
    router.put("/admin/keys/:id/scope").handler(ctx -> run(ctx, 200, () -> rescope(ctx)));
    router.get("/admin/receipts/:id").handler(ctx -> run(ctx, 200, () -> store.read(c -> ReceiptSql.byId(c, ctx.pathParam("id")))
        .orElseThrow(() -> ApiException.notFound("receipt_not_found", "id", "No receipt '" + ctx.pathParam("id") + "'."))));
    router.get("/admin/receipts").handler(ctx -> receipts.page(ctx, ctx.request().getParam("project_id"))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e)));
    router.post("/admin/config/reload").handler(ctx -> run(ctx, 200, this::reload));
  }

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    if (tokenHash == null || token.isEmpty()
        || !MessageDigest.isEqual(Secrets.sha256(token), tokenHash)) {
      ErrorRenderer.send(ctx.response(), new ApiException(401, "invalid_request_error", "invalid_admin_token", null,
          "Missing or incorrect admin token. Send it as 'Authorization: Bearer tga-...'."));
      return;
    }
    ctx.next();
  }

  private Object issue(RoutingContext ctx) {
    JsonObject body = body(ctx);
    Object scopeJson = body.getValue("scope");
    if (scopeJson != null && !(scopeJson instanceof JsonObject)) {
      throw ApiException.invalid("scope", "invalid_type", "'scope' must be an object: {\"models\": [...], \"route_types\": [...]}.");
    }
    Object name = body.getValue("name", "key");
    if (!(name instanceof String keyName) || keyName.isBlank()) {
      throw ApiException.invalid("name", "invalid_type", "'name' must be a non-empty string.");
    }
    KeyScope scope = scope((JsonObject) scopeJson);
    IssuedKey issued;
    try {
      issued = keys.create(ctx.pathParam("id"), keyName, scope);
    } catch (IllegalArgumentException e) {
      throw ApiException.notFound("project_not_found", "id", e.getMessage());
    }
    Map<String, Object> out = new LinkedHashMap<>(view(issued.key()));
    out.put("secret", issued.secret());
    out.put("note", "The secret is shown once. Store it now; only its hash is kept.");
    return out;
  }

  private Object revoke(String id) {
    ApiKey key = keys.byId(id).orElseThrow(() -> ApiException.notFound("key_not_found", "id", "No key '" + id + "'."));
    keys.revoke(id);
    auth.invalidate(key.prefix());
    return view(keys.byId(id).orElseThrow());
  }

  private Object rescope(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    ApiKey key = keys.byId(id).orElseThrow(() -> ApiException.notFound("key_not_found", "id", "No key '" + id + "'."));
    KeyScope scope = scope(body(ctx));
    store.writeNow(c -> KeySql.updateScope(c, id, scope));
    auth.invalidate(key.prefix());
    return view(keys.byId(id).orElseThrow());
  }

  private Object reload() {
    try {
      GatewayConfig fresh = config.reload();
      return Map.of("reloaded", true, "source", String.valueOf(fresh.source()),
          "models", fresh.models().size(), "channels", fresh.channels().size());
    } catch (ConfigException e) {
      throw new ApiException(400, "invalid_request_error", "invalid_config", null,
          "The new configuration was rejected and the previous one keeps serving: " + e.getMessage());
    }
  }

  static Map<String, Object> view(ApiKey key) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", key.id());
    out.put("project_id", key.projectId());
    out.put("account_id", key.accountId());
    out.put("name", key.name());
    out.put("prefix", key.prefix());
    out.put("scope", ScopeJson.of(key.scope()));
    out.put("created_at_ms", key.createdAtMs());
    out.put("revoked_at_ms", key.revokedAtMs());
    return out;
  }

  private static KeyScope scope(JsonObject json) {
    if (json == null) {
      return KeyScope.DEFAULT;
    }
    try {
      return Json.read(json.encode(), ScopeJson.class).toScope();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw ApiException.invalid("scope", "invalid_scope", e.getMessage());
    }
  }

  private static JsonObject body(RoutingContext ctx) {
    return Requests.jsonBody(ctx);
  }

  private static String text(RoutingContext ctx, String field) {
    Object value = body(ctx).getValue(field);
    if (!(value instanceof String s) || s.isBlank()) {
      throw ApiException.invalid(field, "missing_required_parameter", "'" + field + "' is required and must be a non-empty string.");
    }
    return s;
  }

  private static Map<String, Object> list(List<?> items) {
    return Map.of("object", "list", "data", items);
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Requests.respond(vertx, ctx, status, work,
        e -> e instanceof IllegalArgumentException ? ApiException.notFound("not_found", null, e.getMessage()) : e);
  }

}

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
import io.tollgate.http.Audit;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.receipts.ReceiptsHandler;
import io.tollgate.store.Store;
import io.tollgate.store.StoreAccess;
import io.tollgate.tenants.Tenants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Mounts the admin routes. Every call needs {@code Authorization: Bearer tga-...}; blocking work runs on a worker. */
public final class AdminApi {
  private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
  private final Vertx vertx;
  private final Store store;
  private final Tenants tenants;
  private final Keys keys;
  private final KeyAuthenticator auth;
  private final ConfigHolder config;
  private final ReceiptsHandler receipts;
  /**
   * The admin token's hash in force (null before one exists) and how many rotations this gateway made: replaced by a
   * rotation, which takes effect with the next request, and on a shared store by {@link #rereadToken} when another
   * gateway rotated it.
   */
  private record Token(byte[] hash, long rotations) {}

  private final java.util.concurrent.atomic.AtomicReference<Token> token = new java.util.concurrent.atomic.AtomicReference<>();

  private final java.time.Clock clock;

  public AdminApi(Vertx vertx, Store store, Tenants tenants, Keys keys, KeyAuthenticator auth, ConfigHolder config,
      ReceiptsHandler receipts, java.time.Clock clock) {
    this.clock = clock;
    this.vertx = vertx;
    this.store = store;
    this.tenants = tenants;
    this.keys = keys;
    this.auth = auth;
    this.config = config;
    this.receipts = receipts;
    this.token.set(new Token(AdminToken.storedHash(store).orElse(null), 0));
  }

  public void mount(Router router) {
    router.route("/admin/*").handler(this::authenticate);
    router.post("/admin/accounts").handler(ctx -> run(ctx, 201, () -> tenants.createAccount(JsonBody.read(ctx).text("name"))));
    router.get("/admin/accounts").handler(ctx -> run(ctx, 200, () -> list(tenants.accounts())));
    router.post("/admin/accounts/:id/projects").handler(ctx ->
        run(ctx, 201, () -> tenants.createProject(ctx.pathParam("id"), JsonBody.read(ctx).text("name"))));
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
    router.get("/admin/usage").handler(ctx -> receipts.report(ctx, ctx.request().getParam("project_id"))
        .onSuccess(body -> ctx.response().putHeader("content-type", "application/json").end(body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e)));
    router.post("/admin/config/reload").handler(ctx -> run(ctx, 200, this::reload));
    router.post("/admin/token/rotate").handler(ctx -> run(ctx, 200, () -> rotateToken(ctx)));
  }

  /**
   * A new admin token, authenticated by the current one (as every admin call): stored hashed, then in force for the
   * next request, so the old token stops working at once. The gateway owns its database, so this is how a running one
   * rotates; {@code tollgate admin-token rotate} does the same for a stopped one. Rotations are one at a time and
   * each must present the token in force: of two racing rotations with one token, the second is refused, so the
   * token the gateway accepts is always the one stored.
   */
  private synchronized Object rotateToken(RoutingContext ctx) {
    Token before = token.get();
    if (before.hash() == null || !MessageDigest.isEqual(Secrets.sha256(presentedToken(ctx)), before.hash())) {
      throw new ApiException(401, "invalid_request_error", "invalid_admin_token", null,
          "This admin token was rotated by another call just now; use the token that call returned.");
    }
    String fresh = AdminToken.rotate(store);
    token.set(new Token(Secrets.sha256(fresh), before.rotations() + 1));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("token", fresh);
    out.put("note", "The new admin token is shown once; store it now. The previous one no longer works.");
    return out;
  }

  private static String presentedToken(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
  }

  /**
   * Also accepts, beside the admin token, a credential {@code actorOf} names the holder of: the console's signed-in
   * operator users, whose sessions each hold one, in memory only, for as long as the session lives. The audit trail
   * records their calls under that name ({@code user:<e-mail>}). Never the token rotation.
   */
  public void acceptDelegated(java.util.function.Function<String, java.util.Optional<String>> actorOf) {
    this.delegated = java.util.Objects.requireNonNull(actorOf, "actorOf");
  }

  private volatile java.util.function.Function<String, java.util.Optional<String>> delegated = token -> java.util.Optional.empty();

  /**
   * A fingerprint of the admin token in force (Base64 of its SHA-256), null before one exists: a console session
   * remembers the one it began under and ends when it changes, so rotating the token signs every operator out.
   */
  public String tokenFingerprint() {
    byte[] hash = token.get().hash();
    return hash == null ? null : java.util.Base64.getEncoder().encodeToString(hash);
  }

  /**
   * Reads the admin token's hash from the store again, through its worker, and puts it in force: on a shared store
   * another gateway may have rotated it ({@link #freshToken} calls this before each admin call), and the old token and
   * every operator session begun under it then end here too. A rotation made here meanwhile wins over what the read saw.
   */
  private Future<Void> rereadToken(StoreAccess access) {
    Token seen = token.get();
    return access.read(AdminToken::storedHash).map(stored -> {
      byte[] hash = stored.orElse(null);
      if (!java.util.Arrays.equals(hash, seen.hash())) {
        token.compareAndSet(seen, new Token(hash, seen.rotations()));
      }
      return null;
    });
  }

  /**
   * On a shared store, where another gateway may rotate the admin token, read its hash from {@code access} before each
   * admin call and each operator console page ({@link #freshToken}).
   */
  public void sharedStore(StoreAccess access) {
    this.shared = access;
  }

  private volatile StoreAccess shared;

  /**
   * The admin token's hash as the store has it now, when the store is shared (a rotation on another gateway is then in
   * force here at once); at once otherwise. When the store cannot be read, the hash last read stays in force.
   */
  public Future<Void> freshToken() {
    StoreAccess access = shared;
    if (access == null) {
      return Future.succeededFuture();
    }
    return rereadToken(access).recover(e -> {
      LOG.debug("the admin token's hash not re-read: {}", e.getMessage());
      return Future.succeededFuture();
    });
  }

  private void authenticate(RoutingContext ctx) {
    freshToken().onComplete(read -> authenticateNow(ctx));
  }

  private void authenticateNow(RoutingContext ctx) {
    String presented = presentedToken(ctx);
    byte[] hash = token.get().hash();
    boolean adminToken = hash != null && !presented.isEmpty() && MessageDigest.isEqual(Secrets.sha256(presented), hash);
    java.util.Optional<String> actor = adminToken || presented.isEmpty() ? java.util.Optional.empty() : delegated.apply(presented);
    if (!adminToken && actor.isEmpty()) {
      Audit.refused(ctx);
      ErrorRenderer.send(ctx.response(), new ApiException(401, "invalid_request_error", "invalid_admin_token", null,
          "Missing or incorrect admin token. Send it as 'Authorization: Bearer tga-...'."));
      return;
    }
    actor.ifPresent(name -> Audit.actor(ctx, name));
    ctx.next();
  }

  private Object issue(RoutingContext ctx) {
    JsonBody body = JsonBody.read(ctx);
    String name = body.optionalText("name");
    KeyScope scope = scope(body.optionalObject("scope", "an object with models, route_types and allow_bucket_change"));
    Long expiresAt = expiry(body.optionalText("expires_at", "an ISO-8601 instant such as 2027-01-31T00:00:00Z"));
    if (expiresAt != null && expiresAt <= clock.millis()) {
      throw ApiException.invalid("expires_at", "invalid_value", "'expires_at': " + java.time.Instant.ofEpochMilli(expiresAt)
          + " (expected: a time in the future)");
    }
    IssuedKey issued;
    try {
      issued = keys.create(ctx.pathParam("id"), name == null ? "key" : name, scope, expiresAt);
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
    KeyScope scope = scope(JsonBody.read(ctx));
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
    out.put("expires_at_ms", key.expiresAtMs());
    return out;
  }

  private static Long expiry(String text) {
    if (text == null) {
      return null;
    }
    try {
      return java.time.Instant.parse(text).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiException.invalid("expires_at", "invalid_value", "'expires_at': " + text
          + " (expected: an ISO-8601 instant such as 2027-01-31T00:00:00Z)");
    }
  }

  /**
   * A key's scope from its wire form; absent fields take the defaults of {@link KeyScope#DEFAULT}. Its models must be
   * in the serving catalog.
   */
  private KeyScope scope(JsonBody body) {
    if (body == null) {
      return KeyScope.DEFAULT;
    }
    ScopeJson wire = new ScopeJson(body.optionalTexts("models", "an array of catalog model ids"),
        body.optionalTexts("route_types", "an array of official and routed"), body.optionalBoolean("allow_bucket_change"));
    try {
      wire.requireServedModels(config.current().models().keySet(), "the serving configuration");
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(body.param("models"), "unknown_model", e.getMessage());
    }
    try {
      return wire.toScope();
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(body.param("route_types"), "invalid_scope", e.getMessage());
    }
  }

  private static Map<String, Object> list(List<?> items) {
    return Map.of("object", "list", "data", items);
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Audit.respond(vertx, ctx, status, work,
        e -> e instanceof IllegalArgumentException ? ApiException.notFound("not_found", null, e.getMessage()) : e);
  }

}

package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.json.Json;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.Requests;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The operator's money routes under {@code /admin} (mounted behind the admin token): top-ups, adjustments,
 * conversions, overdrafts, redeem codes and {@code ledger verify}.
 */
public final class AdminMoney {
  private final Vertx vertx;
  private final Ledger ledger;
  private final RedeemCodes codes;
  private final io.tollgate.store.Store store;
  private final Clock clock;

  public AdminMoney(Vertx vertx, Ledger ledger, RedeemCodes codes, io.tollgate.store.Store store, Clock clock) {
    this.vertx = vertx;
    this.ledger = ledger;
    this.codes = codes;
    this.store = store;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post("/admin/accounts/:id/topups").handler(ctx -> run(ctx, 201, () -> {
      JsonObject body = body(ctx);
      return ledger.topUp(ctx.pathParam("id"), bucket(body.getValue("bucket"), "bucket"),
          Money.parse(body.getValue("amount_micros"), body.getValue("amount"), "amount"),
          text(body, "idempotency_key"), body.getString("note"));
    }));
    router.post("/admin/accounts/:id/adjustments").handler(ctx -> run(ctx, 201, () -> {
      JsonObject body = body(ctx);
      Object signed = body.getValue("amount_micros");
      if (!(signed instanceof Integer || signed instanceof Long)) {
        throw ApiException.invalid("amount_micros", "invalid_type", "'amount_micros' must be a signed integer (negative debits).");
      }
      return ledger.adjust(ctx.pathParam("id"), bucket(body.getValue("bucket"), "bucket"), ((Number) signed).longValue(),
          text(body, "idempotency_key"), text(body, "note"));
    }));
    router.post("/admin/accounts/:id/conversions").handler(ctx -> run(ctx, 201, () -> {
      JsonObject body = body(ctx);
      Object rate = body.getValue("rate");
      if (!(rate instanceof String r)) {
        throw ApiException.invalid("rate", "invalid_type", "'rate' must be a decimal string such as \"7.1\" (units of 'to' per unit of 'from').");
      }
      BigDecimal parsed;
      try {
        parsed = new BigDecimal(r);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("rate", "invalid_value", "'rate': '" + r + "' is not a decimal number");
      }
      return ledger.convert(ctx.pathParam("id"), bucket(body.getValue("from"), "from"), bucket(body.getValue("to"), "to"),
          Money.parse(body.getValue("amount_micros"), body.getValue("amount"), "amount"), parsed,
          text(body, "idempotency_key"), body.getString("note"));
    }));
    router.put("/admin/accounts/:id/overdraft").handler(ctx -> run(ctx, 200, () -> {
      JsonObject body = body(ctx);
      Object micros = body.getValue("overdraft_micros");
      if (!(micros instanceof Integer || micros instanceof Long) || ((Number) micros).longValue() < 0) {
        throw ApiException.invalid("overdraft_micros", "invalid_value", "'overdraft_micros' must be an integer >= 0.");
      }
      Bucket bucket = bucket(body.getValue("bucket"), "bucket");
      ledger.setOverdraft(ctx.pathParam("id"), bucket, ((Number) micros).longValue());
      return Map.of("account_id", ctx.pathParam("id"), "bucket", bucket.name(), "overdraft_micros", micros);
    }));
    router.get("/admin/accounts/:id/wallet").handler(ctx -> run(ctx, 200,
        () -> Map.of("object", "wallet", "account_id", ctx.pathParam("id"), "buckets", ledger.wallets(ctx.pathParam("id")))));
    router.post("/admin/redeem-codes").handler(ctx -> run(ctx, 201, () -> {
      JsonObject body = body(ctx);
      Object uses = body.getValue("uses", 1);
      Object expires = body.getValue("expires_at_ms");
      if (!(uses instanceof Integer u) || u < 1) {
        throw ApiException.invalid("uses", "invalid_value", "'uses' must be an integer >= 1.");
      }
      if (expires != null && !(expires instanceof Long || expires instanceof Integer)) {
        throw ApiException.invalid("expires_at_ms", "invalid_type", "'expires_at_ms' must be epoch milliseconds.");
      }
      return codes.create(bucket(body.getValue("bucket"), "bucket"),
          Money.parse(body.getValue("amount_micros"), body.getValue("amount"), "amount"), u,
          expires == null ? null : ((Number) expires).longValue());
    }));
    router.get("/admin/ledger/verify").handler(ctx -> vertx.executeBlocking(() -> LedgerVerifier.verify(store, clock.millis()), false)
        .onSuccess(report -> ctx.response().setStatusCode(report.ok() ? 200 : 500)
            .putHeader("content-type", "application/json")
            .end(Json.write(Map.of("ok", report.ok(), "checks", report.checks(), "report", report.text()))))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e)));
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Requests.respond(vertx, ctx, status, work, AdminMoney::toApi);
  }


  static Throwable toApi(Throwable e) {
    if (e instanceof LedgerException ledger) {
      return switch (ledger.reason()) {
        case INSUFFICIENT_FUNDS -> new ApiException(402, "insufficient_quota", "insufficient_balance", null, e.getMessage());
        case CONFLICT -> ApiException.conflict("idempotency_key_reused", e.getMessage() + "; use a new idempotency_key for a new movement");
        case NOT_FOUND -> ApiException.notFound("not_found", null, e.getMessage());
        case INVALID -> ApiException.invalid(null, "invalid_value", e.getMessage());
        case OVERDRAFT_BELOW_BALANCE -> new ApiException(409, "invalid_request_error", "overdraft_below_balance", "overdraft_micros",
            e.getMessage());
      };
    }
    return e;
  }

  static JsonObject body(RoutingContext ctx) {
    return Requests.jsonBody(ctx);
  }


  static Bucket bucket(Object value, String param) {
    if (value instanceof String name) {
      try {
        return Bucket.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        // fall through to the error below
      }
    }
    throw ApiException.invalid(param, value == null ? "missing_required_parameter" : "invalid_value",
        "'" + param + "' must be CREDIT or RMB.");
  }

  static int limit(String raw) {
    try {
      int limit = raw == null ? 50 : Integer.parseInt(raw);
      if (limit >= 1 && limit <= 500) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw ApiException.invalid("limit", "invalid_value", "'limit' must be an integer from 1 to 500.");
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (!(value instanceof String s) || s.isBlank()) {
      throw ApiException.invalid(field, "missing_required_parameter", "'" + field + "' is required.");
    }
    return s;
  }
}

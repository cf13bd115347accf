package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.json.Json;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.tollgate.http.Audit;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
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
      JsonBody body = JsonBody.read(ctx);
      return ledger.topUp(ctx.pathParam("id"), bucket(body, "bucket"), Money.parse(body, "amount_micros", "amount"),
          body.text("idempotency_key"), body.optionalText("note"));
    }));
    router.post("/admin/accounts/:id/adjustments").handler(ctx -> run(ctx, 201, () -> {
      JsonBody body = JsonBody.read(ctx);
      long signed = body.integer("amount_micros", "a signed integer count of micro-units (negative debits)");
      return ledger.adjust(ctx.pathParam("id"), bucket(body, "bucket"), signed, body.text("idempotency_key"),
          body.text("note"));
    }));
    router.post("/admin/accounts/:id/conversions").handler(ctx -> run(ctx, 201, () -> {
      JsonBody body = JsonBody.read(ctx);
      String rate = body.text("rate", "a decimal string such as \"7.1\" (units of 'to' per unit of 'from')");
      BigDecimal parsed;
      try {
        parsed = new BigDecimal(rate);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("rate", "invalid_value", "'rate': '" + rate + "' is not a decimal number");
      }
      return ledger.convert(ctx.pathParam("id"), bucket(body, "from"), bucket(body, "to"),
          Money.parse(body, "amount_micros", "amount"), parsed, body.text("idempotency_key"), body.optionalText("note"));
    }));
    router.put("/admin/accounts/:id/overdraft").handler(ctx -> run(ctx, 200, () -> {
      JsonBody body = JsonBody.read(ctx);
      long micros = body.integer("overdraft_micros", "an integer >= 0");
      if (micros < 0) {
        throw ApiException.invalid("overdraft_micros", "invalid_value", "'overdraft_micros': " + micros + " (expected: >= 0)");
      }
      Bucket bucket = bucket(body, "bucket");
      ledger.setOverdraft(ctx.pathParam("id"), bucket, micros);
      return Map.of("account_id", ctx.pathParam("id"), "bucket", bucket.name(), "overdraft_micros", micros);
    }));
    router.get("/admin/accounts/:id/wallet").handler(ctx -> run(ctx, 200,
        () -> Map.of("object", "wallet", "account_id", ctx.pathParam("id"), "buckets", ledger.wallets(ctx.pathParam("id")))));
    router.post("/admin/redeem-codes").handler(ctx -> run(ctx, 201, () -> {
      JsonBody body = JsonBody.read(ctx);
      Long uses = body.optionalInteger("uses", "an integer >= 1");
      if (uses != null && (uses < 1 || uses > Integer.MAX_VALUE)) {
        throw ApiException.invalid("uses", "invalid_value", "'uses': " + uses + " (expected: from 1 to " + Integer.MAX_VALUE + ")");
      }
      Long expires = body.optionalInteger("expires_at_ms", "epoch milliseconds, an integer");
      return codes.create(bucket(body, "bucket"), Money.parse(body, "amount_micros", "amount"),
          uses == null ? 1 : uses.intValue(), expires);
    }));
    router.get("/admin/ledger/verify").handler(ctx -> vertx.executeBlocking(() -> LedgerVerifier.verify(store, clock.millis()), false)
        .onSuccess(report -> ctx.response().setStatusCode(report.ok() ? 200 : 500)
            .putHeader("content-type", "application/json")
            .end(Json.write(Map.of("ok", report.ok(), "checks", report.checks(), "report", report.text()))))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e)));
  }

  private void run(RoutingContext ctx, int status, Callable<Object> work) {
    Audit.respond(vertx, ctx, status, work, AdminMoney::toApi);
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

  /** The bucket named by the body's string {@code field}. */
  static Bucket bucket(JsonBody body, String field) {
    return bucket(body.optionalText(field, "CREDIT or RMB"), body.param(field));
  }

  /** The bucket named {@code value} (a body field or a query parameter called {@code param}). */
  static Bucket bucket(String value, String param) {
    if (value == null) {
      throw ApiException.invalid(param, "missing_required_parameter", "'" + param + "' is required (expected: CREDIT or RMB)");
    }
    try {
      return Bucket.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(param, "invalid_value", "'" + param + "': '" + value + "' (expected: CREDIT or RMB)");
    }
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
}

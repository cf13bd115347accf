package io.tollgate.ledger;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.http.JsonBody;
import io.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code /v1/wallet}: balances and holds per bucket, the ledger as JSON or CSV, and redeeming a code. */
public final class WalletApi {
  private final Vertx vertx;
  private final KeyAuthenticator auth;
  private final Ledger ledger;
  private final RedeemCodes codes;

  public WalletApi(Vertx vertx, KeyAuthenticator auth, Ledger ledger, RedeemCodes codes) {
    this.vertx = vertx;
    this.auth = auth;
    this.ledger = ledger;
    this.codes = codes;
  }

  public void mount(Router router) {
    router.get("/v1/wallet").handler(ctx -> withKey(ctx, key -> vertx.executeBlocking(() -> Json.write(Map.of(
        "object", "wallet", "account_id", key.accountId(), "buckets", ledger.wallets(key.accountId()))), false)));
    router.get("/v1/wallet/ledger").handler(ctx -> withKey(ctx, key -> entries(ctx, key)));
    router.post("/v1/wallet/redeem").handler(ctx -> withKey(ctx, key -> {
      String code = JsonBody.read(ctx).text("code", "a redeem code, tgr-...");
      return vertx.executeBlocking(() -> Json.write(codes.redeem(key.accountId(), code)), false);
    }));
  }

  private Future<String> entries(RoutingContext ctx, ApiKey key) {
    Bucket bucket = AdminMoney.bucket(ctx.request().getParam("bucket"), "bucket");
    int limit = AdminMoney.limit(ctx.request().getParam("limit"));
    String after = ctx.request().getParam("after");
    Long before;
    try {
      before = after == null ? null : Long.parseLong(after);
    } catch (NumberFormatException e) {
      return Future.failedFuture(ApiException.invalid("after", "invalid_value", "'after' must be the seq of the last entry seen."));
    }
    boolean csv = "csv".equalsIgnoreCase(ctx.request().getParam("format"))
        || String.valueOf(ctx.request().getHeader("accept")).contains("text/csv");
    return vertx.executeBlocking(() -> {
      List<Ledger.EntryView> rows = ledger.entries(key.accountId(), bucket, before, limit + 1);
      boolean more = rows.size() > limit;
      List<Ledger.EntryView> page = more ? rows.subList(0, limit) : rows;
      if (csv) {
        ctx.response().putHeader("content-type", "text/csv; charset=utf-8");
        StringBuilder out = new StringBuilder("seq,created_at_ms,kind,amount_micros,balance_after_micros,currency,transfer_id,request_id,note\n");
        for (Ledger.EntryView e : page) {
          out.append(e.seq()).append(',').append(e.createdAtMs()).append(',').append(e.kind()).append(',')
              .append(e.amountMicros()).append(',').append(e.balanceAfterMicros()).append(',').append(bucket.currency())
              .append(',').append(csvField(e.transferId())).append(',').append(csvField(e.requestId()))
              .append(',').append(csvField(e.note())).append('\n');
        }
        return out.toString();
      }
      return Json.write(Map.of("object", "list", "bucket", bucket.name(), "currency", bucket.currency(), "data", page,
          "has_more", more, "last_seq", page.isEmpty() ? 0 : page.get(page.size() - 1).seq()));
    }, false);
  }

  private static String csvField(String value) {
    if (value == null) {
      return "";
    }
    return value.contains(",") || value.contains("\"") || value.contains("\n")
        ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  private void withKey(RoutingContext ctx, java.util.function.Function<ApiKey, Future<String>> work) {
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> {
          try {
            return work.apply(key);
          } catch (ApiException e) {
            return Future.failedFuture(e);
          }
        })
        .recover(e -> Future.failedFuture(AdminMoney.toApi(e)))
        .onSuccess(body -> {
          if (ctx.response().headers().get("content-type") == null) {
            ctx.response().putHeader("content-type", "application/json");
          }
          ctx.response().end(body);
        })
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}

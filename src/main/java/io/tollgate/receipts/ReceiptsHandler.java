package io.tollgate.receipts;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.http.ApiException;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.json.Json;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/** {@code GET /v1/receipts/{id}} and {@code GET /v1/receipts}: a key sees only its own project's receipts. */
public final class ReceiptsHandler {
  private final KeyAuthenticator auth;
  private final StoreAccess store;

  public ReceiptsHandler(KeyAuthenticator auth, StoreAccess store) {
    this.auth = auth;
    this.store = store;
  }

  public void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> store.read(c -> ReceiptSql.byId(c, id))
            .compose(found -> found.filter(r -> key.projectId().equals(r.projectId()))
                .map(Future::succeededFuture)
                .orElseGet(() -> Future.failedFuture(ApiException.notFound("receipt_not_found", "id",
                    "No receipt '" + id + "' in this key's project.")))))
        .onSuccess(receipt -> json(ctx, Json.write(receipt)))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  public void list(RoutingContext ctx) {
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> page(ctx, key.projectId()))
        .onSuccess(body -> json(ctx, body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  /** One page, newest first; {@code after} is the last id of the previous page. Shared with the admin API. */
  public Future<String> page(RoutingContext ctx, String projectId) {
    int limit;
    try {
      String raw = ctx.request().getParam("limit");
      limit = raw == null ? 20 : Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      return Future.failedFuture(ApiException.invalid("limit", "invalid_type", "'limit' must be an integer from 1 to 100."));
    }
    if (limit < 1 || limit > 100) {
      return Future.failedFuture(ApiException.invalid("limit", "invalid_value", "'limit': " + limit + " (expected: 1 to 100)"));
    }
    String after = ctx.request().getParam("after");
    int pageSize = limit;
    return store.read(c -> ReceiptSql.page(c, projectId, after, pageSize + 1)).map(rows -> {
      boolean more = rows.size() > pageSize;
      List<Receipt> data = more ? rows.subList(0, pageSize) : rows;
      return Json.write(Map.of(
          "object", "list",
          "data", data,
          "has_more", more,
          "last_id", data.isEmpty() ? "" : data.get(data.size() - 1).id()));
    });
  }

  private static void json(RoutingContext ctx, String body) {
    ctx.response().putHeader("content-type", "application/json").end(body);
  }
}

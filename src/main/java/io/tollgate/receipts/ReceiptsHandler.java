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

/**
 * {@code GET /v1/receipts/{id}}, {@code GET /v1/receipts} and {@code GET /v1/usage}: a key sees only its own
 * project's receipts and usage. The admin API shares the page and the report.
 */
public final class ReceiptsHandler {
  /** The longest span one usage report covers. */
  public static final int MAX_REPORT_DAYS = 366;

  private final KeyAuthenticator auth;
  private final StoreAccess store;
  private final java.util.function.Supplier<java.time.ZoneId> zone;
  private final java.time.Clock clock;

  public ReceiptsHandler(KeyAuthenticator auth, StoreAccess store, java.util.function.Supplier<java.time.ZoneId> zone,
      java.time.Clock clock) {
    this.auth = auth;
    this.store = store;
    this.zone = zone;
    this.clock = clock;
  }

  public void usage(RoutingContext ctx) {
    auth.authenticate(ctx.request().getHeader("authorization"))
        .compose(key -> report(ctx, key.projectId()))
        .onSuccess(body -> json(ctx, body))
        .onFailure(e -> ErrorRenderer.send(ctx.response(), e));
  }

  /**
   * A usage report over {@code from} to {@code to} (calendar days in the configured time zone, both included; by
   * default the month so far), grouped by {@code group_by} (day, key, project, model, route_type; bucket always).
   * {@code projectId} null reports every project (admin).
   */
  public Future<String> report(RoutingContext ctx, String projectId) {
    java.time.ZoneId tz = zone.get();
    java.time.LocalDate today = java.time.LocalDate.now(clock.withZone(tz));
    java.time.LocalDate from;
    java.time.LocalDate to;
    try {
      ReceiptFilter.printable("project_id", projectId);
      from = day(ctx, "from", today.withDayOfMonth(1));
      to = day(ctx, "to", today);
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    if (to.isBefore(from) || java.time.temporal.ChronoUnit.DAYS.between(from, to) >= MAX_REPORT_DAYS) {
      return Future.failedFuture(ApiException.invalid("to", "invalid_value", "'from' " + from + " to 'to' " + to
          + " (expected: to on or after from, at most " + MAX_REPORT_DAYS + " days)"));
    }
    java.util.Set<UsageReport.Dimension> by = UsageReport.dimensions(ctx.request().getParam("group_by", "day"));
    if (by == null) {
      return Future.failedFuture(ApiException.invalid("group_by", "invalid_value", "'group_by': "
          + ctx.request().getParam("group_by") + " (expected: a comma-separated list of day, key, project, model, route_type, bucket)"));
    }
    long fromMs = from.atStartOfDay(tz).toInstant().toEpochMilli();
    long toMs = to.plusDays(1).atStartOfDay(tz).toInstant().toEpochMilli();
    return store.read(c -> {
      UsageReport.Groups groups = new UsageReport.Groups(by, tz);
      ReceiptSql.usageRows(c, fromMs, toMs, projectId, groups);
      return groups.rows();
    }).map(rows -> {
      java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
      out.put("object", "usage_report");
      out.put("from", from.toString());
      out.put("to", to.toString());
      out.put("time_zone", tz.getId());
      out.put("group_by", by.stream().map(d -> d.name().toLowerCase(java.util.Locale.ROOT)).toList());
      out.put("data", rows);
      return Json.write(out);
    });
  }

  private static java.time.LocalDate day(RoutingContext ctx, String param, java.time.LocalDate fallback) {
    String raw = ctx.request().getParam(param);
    if (raw == null) {
      return fallback;
    }
    java.time.LocalDate day;
    try {
      day = java.time.LocalDate.parse(raw);
    } catch (java.time.format.DateTimeParseException e) {
      throw ApiException.invalid(param, "invalid_value", "'" + param + "': " + raw + " (expected: a date YYYY-MM-DD)");
    }
    if (day.getYear() < 1970 || day.getYear() > 9999) {
      throw ApiException.invalid(param, "invalid_value", "'" + param + "': " + raw + " (expected: a date from 1970 to 9999)");
    }
    return day;
  }

  public void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    auth.authenticate(ctx.request().getHeader("authorization"))
        .map(key -> {
          ReceiptFilter.printable("id", id);
          return key;
        })
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

  /**
   * One page, newest first, narrowed by the {@link ReceiptFilter} in the query; {@code after} is the last id of the
   * previous page. Shared with the admin API.
   */
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
    ReceiptFilter filter;
    String after;
    try {
      ReceiptFilter.printable("project_id", projectId);
      filter = ReceiptFilter.parse(ctx.request().params(), zone.get());
      after = ReceiptFilter.printable("after", ctx.request().getParam("after"));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    int pageSize = limit;
    return store.read(c -> ReceiptSql.page(c, projectId, filter, after, pageSize + 1)).map(rows -> {
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

package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Receipts of the member's project with filters (key, model, route type, outcome, date), each opening its detail
 * with the attempts as a timeline; usage by day, key and model; CSV of the filtered receipts. Receipts are read
 * through {@code GET /v1/receipts} as the session's key, so another project's receipt is a 404 here as there.
 */
final class UsagePages {
  /** Receipts per page of the list. */
  static final int PAGE = 50;
  /** The most receipts one CSV export holds (pages of 100 read in turn). */
  static final int CSV_MAX = 5000;
  private final ConsoleRoutes console;
  private final Loopback api;

  UsagePages(ConsoleRoutes console, Loopback api) {
    this.console = console;
    this.api = api;
  }

  void mount(Router router) {
    console.member(router, HttpMethod.GET, "/console/usage", this::list);
    console.member(router, HttpMethod.GET, "/console/usage.csv", this::csv);
    console.member(router, HttpMethod.GET, "/console/usage/:id", this::one);
  }

  /**
   * The form's filters, passed as they are to {@code GET /v1/receipts}, which filters on the server and refuses a bad
   * value (shown on the page as the API's message).
   */
  private record Filters(String key, String model, String routeType, String outcome, String from, String to) {
    static Filters of(RoutingContext ctx) {
      return new Filters(Forms.text(ctx.request().getParam("key")), Forms.text(ctx.request().getParam("model")),
          Forms.text(ctx.request().getParam("route_type")), Forms.text(ctx.request().getParam("outcome")),
          Forms.text(ctx.request().getParam("from")), Forms.text(ctx.request().getParam("to")));
    }

    /** The API's query parameters for these filters, each starting with {@code &}. */
    String query() {
      return query("key_id");
    }

    /** The console page's own query for these filters (its key filter is named {@code key}). */
    String pageQuery() {
      return query("key");
    }

    private String query(String keyParam) {
      StringBuilder out = new StringBuilder();
      param(out, keyParam, key);
      param(out, "model", model);
      param(out, "route_type", routeType);
      param(out, "outcome", outcome);
      param(out, "from", from);
      param(out, "to", to);
      return out.toString();
    }

    private static void param(StringBuilder out, String name, String value) {
      if (!value.isEmpty()) {
        out.append('&').append(name).append('=').append(Forms.url(value));
      }
    }
  }

  /** {@code ?limit=} (1 to 100), {@link #PAGE} by default. */
  private static int pageSize(RoutingContext ctx) {
    String raw = Forms.text(ctx.request().getParam("limit"));
    try {
      int limit = raw.isEmpty() ? PAGE : Integer.parseInt(raw);
      if (limit >= 1 && limit <= 100) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new PageException(400, "Page size '" + raw + "' (expected: 1 to 100).");
  }

  /** One page of the filtered receipts, newest first, after the receipt {@code after} (null for the first page). */
  private Future<JsonObject> receipts(Session session, Filters filters, String after, int limit) {
    String path = "/v1/receipts?limit=" + limit + filters.query() + (after == null || after.isBlank() ? "" : "&after=" + Forms.url(after));
    return MemberPages.ok(api.get(path, session.bearer()));
  }

  private Future<String> list(RoutingContext ctx, Session session) {
    Filters filters = Filters.of(ctx);
    ReportSpan span = ReportSpan.of(filters.from(), filters.to(), console.today());
    int limit;
    try {
      limit = pageSize(ctx);
    } catch (PageException e) {
      return Future.failedFuture(e.followedBy(filterForm(filters)));
    }
    // a filter the API refuses is shown with the form, to be corrected there
    Future<JsonObject> receipts = receipts(session, filters, ctx.request().getParam("after"), limit)
        .recover(e -> Future.failedFuture(e instanceof PageException p && p.status() == 400 ? p.followedBy(filterForm(filters)) : e));
    Future<JsonObject> usage = receipts.compose(r -> span.reported()
        ? MemberPages.ok(api.get("/v1/usage?group_by=day,key,model" + span.query(), session.bearer()))
        : Future.succeededFuture(new JsonObject().put("data", new JsonArray())));
    return Future.all(receipts, usage).map(all -> {
      List<List<String>> rows = new ArrayList<>();
      JsonArray data = receipts.result().getJsonArray("data");
      for (Object o : data) {
        JsonObject r = (JsonObject) o;
        String bucket = r.getString("bucket");
        rows.add(List.of("<a href=\"/console/usage/" + Html.e(r.getString("id")) + "\" class=\"mono\">" + Html.e(r.getString("id")) + "</a>",
            Html.time(r.getLong("created_at_ms"), console.zone()), Html.e(r.getString("requested_model")),
            Html.e(r.getString("route_type")), Html.e(r.getString("leg", "—")) + (r.getBoolean("fallback", false) ? " (fallback)" : ""),
            Html.e(r.getString("outcome")), Html.money(r.getLong("cost_micros"), bucket)));
      }
      String query = filters.pageQuery().isEmpty() ? "" : "?" + filters.pageQuery().substring(1);
      String size = ctx.request().getParam("limit") == null ? "" : "&limit=" + limit;
      String next = receipts.result().getBoolean("has_more", false)
          ? "<p><a href=\"/console/usage?after=" + Html.e(Forms.url(receipts.result().getString("last_id"))) + Html.e(filters.pageQuery() + size)
              + "\" rel=\"next\">Next page (older receipts)</a></p>"
          : "";
      String first = ctx.request().getParam("after") == null ? ""
          : "<p><a href=\"/console/usage" + Html.e(query) + "\">First page (newest receipts)</a></p>";
      return Html.page("Usage", session, filterForm(filters)
          + "<p><a href=\"/console/usage.csv" + Html.e(query) + "\" download>Download the matching receipts as CSV</a> (up to "
          + CSV_MAX + ")</p>"
          + "<h2>Receipts</h2>" + Html.table(List.of("Request", "Time", "Model", "Route", "Leg", "Outcome", "Cost"), rows,
              "No receipt matches.") + next + first
          + "<h2>Usage by day, key and model</h2>" + Html.notice(span.note(), false)
          + (span.reported() ? new JsonView(console.zone()).render(usage.result().getJsonArray("data"), null) : ""));
    });
  }

  /** A receipt's outcomes, as {@code GET /v1/receipts?outcome=} takes them. */
  private static final List<String> OUTCOMES =
      List.of("succeeded", "failed", "rejected", "client_disconnected", "interrupted", "in_progress");

  private static String filterForm(Filters f) {
    return "<form method=\"get\" action=\"/console/usage\" class=\"card filters\">"
        + input("key", "Key id", f.key(), "text") + input("model", "Model", f.model(), "text")
        + "<div><label for=\"route_type\">Route type</label><select id=\"route_type\" name=\"route_type\">"
        + option("", "any", f.routeType()) + option("routed", "routed", f.routeType()) + option("official", "official", f.routeType())
        + "</select></div><div><label for=\"outcome\">Outcome</label><select id=\"outcome\" name=\"outcome\">"
        + option("", "any", f.outcome()) + OUTCOMES.stream().map(o -> option(o, o.replace('_', ' '), f.outcome()))
            .collect(java.util.stream.Collectors.joining()) + "</select></div>"
        + input("from", "From", f.from(), "date") + input("to", "To", f.to(), "date")
        + "<div><button type=\"submit\">Filter</button></div></form>";
  }

  private static String input(String name, String label, String value, String type) {
    return "<div><label for=\"" + name + "\">" + Html.e(label) + "</label><input type=\"" + type + "\" id=\"" + name + "\" name=\""
        + name + "\" value=\"" + Html.e(value) + "\"></div>";
  }

  private static String option(String value, String label, String current) {
    return "<option value=\"" + value + "\"" + (value.equals(current) ? " selected" : "") + ">" + label + "</option>";
  }

  /** Every matching receipt, up to {@link #CSV_MAX}, read a page of 100 at a time. */
  private Future<List<JsonObject>> all(Session session, Filters filters, String after, List<JsonObject> into) {
    return receipts(session, filters, after, 100).compose(page -> {
      page.getJsonArray("data").forEach(r -> into.add((JsonObject) r));
      return page.getBoolean("has_more", false) && into.size() < CSV_MAX
          ? all(session, filters, page.getString("last_id"), into) : Future.succeededFuture(into);
    });
  }

  private Future<String> csv(RoutingContext ctx, Session session) {
    return all(session, Filters.of(ctx), null, new ArrayList<>()).map(rows -> {
      StringBuilder out = new StringBuilder("id,created_at_ms,key_id,model,route_type,leg,upstream_model,fallback,outcome,"
          + "prompt_tokens,completion_tokens,cost_micros,currency\n");
      for (JsonObject r : rows.subList(0, Math.min(rows.size(), CSV_MAX))) {
        JsonObject usage = r.getJsonObject("usage", new JsonObject());
        String bucket = r.getString("bucket");
        out.append(String.join(",", csvField(r.getString("id")), String.valueOf(r.getLong("created_at_ms")),
            csvField(r.getString("key_id")), csvField(r.getString("requested_model")), csvField(r.getString("route_type")),
            csvField(r.getString("leg")), csvField(r.getString("upstream_model")), String.valueOf(r.getBoolean("fallback", false)),
            csvField(r.getString("outcome")), String.valueOf(usage.getValue("prompt_tokens", "")),
            String.valueOf(usage.getValue("completion_tokens", "")), String.valueOf(r.getValue("cost_micros", "")),
            bucket == null ? "" : io.tollgate.config.Bucket.valueOf(bucket).currency())).append('\n');
      }
      ctx.response().putHeader("content-type", "text/csv; charset=utf-8")
          .putHeader("content-disposition", "attachment; filename=\"receipts.csv\"").end(out.toString());
      return "";
    });
  }

  /** A CSV field, quoted when needed; a leading formula character is neutralized for spreadsheets. */
  private static String csvField(String value) {
    if (value == null) {
      return "";
    }
    String safe = !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    return safe.contains(",") || safe.contains("\"") || safe.contains("\n") ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
  }

  private Future<String> one(RoutingContext ctx, Session session) {
    String id = ctx.pathParam("id");
    return api.get("/v1/receipts/" + Forms.url(id), session.bearer()).map(reply -> {
      if (reply.status() == 404) {
        throw PageException.notFound("Receipt '" + id + "'");
      }
      if (!reply.ok()) {
        throw new PageException(400, reply.error());
      }
      String view = ReceiptView.render(reply.json(), console.zone());
      if ("1".equals(ctx.request().getParam("fragment"))) {
        ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(view);
        return "";
      }
      return Html.page("Receipt", session, "<p><a href=\"/console/usage\">← All receipts</a></p>" + view);
    });
  }
}

package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Receipts of the member's project with filters (key, model, route type, outcome, date), each opening its detail
 * with the attempts as a timeline; usage by day, key and model; CSV of the filtered receipts. Receipts are read
 * through {@code GET /v1/receipts} as the session's key, so another project's receipt is a 404 here as there.
 */
final class UsagePages {
  /** The newest receipts the filters look through. */
  static final int PAGE = 100;
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

  private record Filters(String key, String model, String routeType, String outcome, LocalDate from, LocalDate to) {
    static Filters of(RoutingContext ctx) {
      return new Filters(Forms.text(ctx.request().getParam("key")), Forms.text(ctx.request().getParam("model")),
          Forms.text(ctx.request().getParam("route_type")), Forms.text(ctx.request().getParam("outcome")),
          day(ctx.request().getParam("from")), day(ctx.request().getParam("to")));
    }

    private static LocalDate day(String text) {
      try {
        return text == null || text.isBlank() ? null : LocalDate.parse(text.trim());
      } catch (java.time.format.DateTimeParseException e) {
        throw new PageException(400, "Date '" + text + "' (expected: YYYY-MM-DD).");
      }
    }

    boolean keeps(JsonObject r, java.time.ZoneId zone) {
      LocalDate day = Instant.ofEpochMilli(r.getLong("created_at_ms")).atZone(zone).toLocalDate();
      return (key.isEmpty() || key.equals(r.getString("key_id"))) && (model.isEmpty() || model.equals(r.getString("requested_model")))
          && (routeType.isEmpty() || routeType.equals(r.getString("route_type"))) && (outcome.isEmpty() || outcome.equals(r.getString("outcome")))
          && (from == null || !day.isBefore(from)) && (to == null || !day.isAfter(to));
    }
  }

  private Future<List<JsonObject>> receipts(Session session, Filters filters) {
    return MemberPages.ok(api.get("/v1/receipts?limit=" + PAGE, session.bearer())).map(page -> {
      List<JsonObject> kept = new ArrayList<>();
      page.getJsonArray("data").forEach(r -> {
        if (filters.keeps((JsonObject) r, console.zone())) {
          kept.add((JsonObject) r);
        }
      });
      return kept;
    });
  }

  private Future<String> list(RoutingContext ctx, Session session) {
    Filters filters = Filters.of(ctx);
    LocalDate today = console.today();
    String range = "&from=" + (filters.from() == null ? today.withDayOfMonth(1) : filters.from()) + "&to="
        + (filters.to() == null ? today : filters.to());
    Future<List<JsonObject>> receipts = receipts(session, filters);
    Future<JsonObject> usage = MemberPages.ok(api.get("/v1/usage?group_by=day,key,model" + range, session.bearer()));
    return Future.all(receipts, usage).map(all -> {
      List<List<String>> rows = new ArrayList<>();
      for (JsonObject r : receipts.result()) {
        String bucket = r.getString("bucket");
        rows.add(List.of("<a href=\"/console/usage/" + Html.e(r.getString("id")) + "\" class=\"mono\">" + Html.e(r.getString("id")) + "</a>",
            Html.time(r.getLong("created_at_ms"), console.zone()), Html.e(r.getString("requested_model")),
            Html.e(r.getString("route_type")), Html.e(r.getString("leg", "—")) + (r.getBoolean("fallback", false) ? " (fallback)" : ""),
            Html.e(r.getString("outcome")), Html.money(r.getLong("cost_micros"), bucket)));
      }
      String query = ctx.request().query() == null ? "" : "?" + ctx.request().query();
      return Html.page("Usage", session, filterForm(filters)
          + "<p><a href=\"/console/usage.csv" + Html.e(query) + "\" download>Download these receipts as CSV</a></p>"
          + "<h2>Receipts</h2>" + Html.table(List.of("Request", "Time", "Model", "Route", "Leg", "Outcome", "Cost"), rows,
              "No receipt matches.")
          + "<h2>Usage by day, key and model</h2>" + new JsonView(console.zone()).render(usage.result().getJsonArray("data"), null));
    });
  }

  private static String filterForm(Filters f) {
    return "<form method=\"get\" action=\"/console/usage\" class=\"card filters\">"
        + input("key", "Key id", f.key(), "text") + input("model", "Model", f.model(), "text")
        + "<div><label for=\"route_type\">Route type</label><select id=\"route_type\" name=\"route_type\">"
        + option("", "any", f.routeType()) + option("routed", "routed", f.routeType()) + option("official", "official", f.routeType())
        + "</select></div>" + input("outcome", "Outcome", f.outcome(), "text")
        + input("from", "From", f.from() == null ? "" : f.from().toString(), "date")
        + input("to", "To", f.to() == null ? "" : f.to().toString(), "date")
        + "<div><button type=\"submit\">Filter</button></div></form>";
  }

  private static String input(String name, String label, String value, String type) {
    return "<div><label for=\"" + name + "\">" + Html.e(label) + "</label><input type=\"" + type + "\" id=\"" + name + "\" name=\""
        + name + "\" value=\"" + Html.e(value) + "\"></div>";
  }

  private static String option(String value, String label, String current) {
    return "<option value=\"" + value + "\"" + (value.equals(current) ? " selected" : "") + ">" + label + "</option>";
  }

  private Future<String> csv(RoutingContext ctx, Session session) {
    return receipts(session, Filters.of(ctx)).map(rows -> {
      StringBuilder out = new StringBuilder("id,created_at_ms,key_id,model,route_type,leg,upstream_model,fallback,outcome,"
          + "prompt_tokens,completion_tokens,cost_micros,currency\n");
      for (JsonObject r : rows) {
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

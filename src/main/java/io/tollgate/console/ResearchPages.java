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
 * The AI Researcher: the quote with its warnings before anything runs, a confirm button that starts the run with
 * that quote, the run's progress, its report and what each section charged, with the receipts. All through
 * {@code /v1/research/...} as the session's key. While a run runs, the page's script follows the run's event stream
 * (passed through from {@code GET /v1/research/runs/{id}/events}) and redraws as sections finish; without script the
 * page refreshes itself every {@link #REFRESH_S} seconds.
 */
final class ResearchPages {
  private static final int REFRESH_S = 2;
  private final ConsoleRoutes console;
  private final Loopback api;

  ResearchPages(ConsoleRoutes console, Loopback api) {
    this.console = console;
    this.api = api;
  }

  void mount(Router router) {
    console.member(router, HttpMethod.GET, "/console/research", (ctx, s) -> Future.succeededFuture(Html.page("Research", s,
        Html.notice(Forms.flashed(ctx, s, "error"), true) + form(s, "ACME"))));
    console.member(router, HttpMethod.POST, "/console/research/quote", this::quote);
    console.member(router, HttpMethod.POST, "/console/research/runs", this::start);
    console.member(router, HttpMethod.GET, "/console/research/runs/:id", this::run);
    console.member(router, HttpMethod.GET, "/console/research/runs/:id/events", this::events);
  }

  private static String form(Session session, String symbol) {
    return "<section class=\"card\"><h2>Ask for a quote</h2><form method=\"post\" action=\"/console/research/quote\">"
        + Html.csrfField(session) + "<label for=\"symbol\">Symbol</label><input type=\"text\" id=\"symbol\" name=\"symbol\" value=\""
        + Html.e(symbol) + "\" required><label for=\"mode\">Mode</label><select id=\"mode\" name=\"mode\"><option>quick</option>"
        + "<option>standard</option><option>deep</option></select><button type=\"submit\">Quote</button></form></section>";
  }

  private Future<String> quote(RoutingContext ctx, Session session) {
    String symbol = Forms.text(ctx.request().getFormAttribute("symbol"));
    JsonObject body = new JsonObject().put("symbol", symbol).put("mode", Forms.text(ctx.request().getFormAttribute("mode")));
    return api.post("/v1/research/quote", session.bearer(), body).map(reply -> {
      if (!reply.ok()) {
        return Html.page("Research", session, Html.notice(reply.error(), true) + form(session, symbol));
      }
      JsonObject quote = reply.json();
      StringBuilder warnings = new StringBuilder();
      for (Object w : quote.getJsonArray("warnings", new JsonArray())) {
        JsonObject warning = w instanceof JsonObject o ? o : new JsonObject().put("message", String.valueOf(w));
        warnings.append("<li>").append(Html.e(warning.getString("message", warning.encode()))).append("</li>");
      }
      return Html.page("Research", session, "<section class=\"card quote\"><h2>Before it runs</h2>"
          + (warnings.length() == 0 ? "" : "<div class=\"notice error\" role=\"alert\"><p>Warnings</p><ul class=\"warnings\">" + warnings + "</ul></div>")
          + "<h3>Cost</h3>" + costTable(quote.getJsonObject("cost", new JsonObject()))
          + "<h3>Time</h3>" + timeText(quote.getJsonObject("time", new JsonObject()))
          + "<h3>Sections</h3>" + sectionsTable(quote.getJsonArray("sections", new JsonArray()))
          + "<form method=\"post\" action=\"/console/research/runs\">" + Html.csrfField(session)
          + "<input type=\"hidden\" name=\"quote_id\" value=\"" + Html.e(quote.getString("id")) + "\">"
          + "<button type=\"submit\">Confirm and run</button></form></section>" + form(session, symbol));
    });
  }

  /** Per bucket: the least, the expected and the most the run may cost (the most is its envelope). */
  private static String costTable(JsonObject cost) {
    List<List<String>> rows = new ArrayList<>();
    cost.forEach(e -> {
      JsonObject c = (JsonObject) e.getValue();
      rows.add(List.of(Html.e(e.getKey()), Html.money(c.getLong("min_micros"), e.getKey()), Html.money(c.getLong("expected_micros"), e.getKey()),
          "<strong>" + Html.money(c.getLong("max_micros"), e.getKey()) + "</strong>"));
    });
    return Html.table(List.of("Bucket", "At least", "Expected", "At most (every fallback; the run's envelope)"), rows, "Nothing to pay.");
  }

  private static String timeText(JsonObject time) {
    return "<p class=\"time\">About " + Html.e(seconds(time.getLong("expected_ms", 0L))) + ", at worst "
        + Html.e(seconds(time.getLong("worst_ms", 0L))) + " (every leg running to its channel's total timeout).</p>";
  }

  private static String seconds(long ms) {
    long s = (ms + 999) / 1000;
    return s < 120 ? s + " s" : (s / 60) + " min " + (s % 60) + " s";
  }

  /** One row a section: its model and route, the backups it may fall to, its tokens, cost and time, and admission. */
  private static String sectionsTable(JsonArray sections) {
    List<List<String>> rows = new ArrayList<>();
    for (Object o : sections) {
      JsonObject s = (JsonObject) o;
      JsonObject route = s.getJsonObject("route", new JsonObject());
      JsonObject cost = s.getJsonObject("cost", new JsonObject());
      String bucket = cost.getString("bucket", route.getString("bucket"));
      StringBuilder backups = new StringBuilder();
      for (Object b : s.getJsonArray("backup_routes", new JsonArray())) {
        JsonObject leg = (JsonObject) b;
        backups.append(backups.length() == 0 ? "" : "<br>").append(Html.e(leg.getString("upstream_model") + " via " + leg.getString("channel")))
            .append(" (up to ").append(Html.money(leg.getLong("max_cost_micros"), leg.getString("bucket"))).append(")");
      }
      StringBuilder most = new StringBuilder();
      cost.getJsonObject("max_micros_by_bucket", new JsonObject()).forEach(e -> most.append(most.length() == 0 ? "" : "<br>")
          .append(Html.money(((Number) e.getValue()).longValue(), e.getKey())));
      JsonObject tokens = s.getJsonObject("tokens", new JsonObject());
      JsonObject time = s.getJsonObject("time", new JsonObject());
      rows.add(List.of(Html.e(s.getString("title", s.getString("id"))),
          Html.e(s.getString("model") + " (" + s.getString("route_type") + ")") + "<br>" + Html.e(route.getString("upstream_model")
              + " via " + route.getString("channel") + ", " + route.getString("bucket")),
          backups.length() == 0 ? "—" : backups.toString(),
          Html.e(tokens.getLong("max_output", 0L) + " output at most"),
          Html.money(cost.getLong("expected_micros"), bucket) + " expected<br>" + most + " at most",
          Html.e(seconds(time.getLong("expected_ms", 0L)) + " (at worst " + seconds(time.getLong("worst_ms", 0L)) + ")"),
          s.getBoolean("would_be_admitted", false) ? "yes" : "<strong>no, not now</strong>"));
    }
    return "<div class=\"table-scroll\">" + Html.table(List.of("Section", "Model and route", "Backups", "Tokens", "Cost", "Time",
        "Admitted now"), rows, "No section.") + "</div>";
  }

  private Future<String> start(RoutingContext ctx, Session session) {
    JsonObject body = new JsonObject().put("quote_id", Forms.text(ctx.request().getFormAttribute("quote_id")));
    return api.post("/v1/research/runs", session.bearer(), body).map(reply -> {
      ConsoleRoutes.redirect(ctx, reply.ok() ? "/console/research/runs/" + Forms.url(reply.json().getString("id"))
          : "/console/research?" + Forms.flash(session, "error", reply.error()));
      return "";
    });
  }

  /**
   * The run's server-sent events as the API sends them, to the page's script (which cannot send the session's key
   * itself); the API's own answer (404 for another account's run) passes through. See {@link EventStreams} for the
   * pool, the bound per session and the browser going away.
   */
  private Future<String> events(RoutingContext ctx, Session session) {
    return console.eventStreams().pass(ctx, session, "/v1/research/runs/" + Forms.url(ctx.pathParam("id")) + "/events");
  }

  private Future<String> run(RoutingContext ctx, Session session) {
    String id = ctx.pathParam("id");
    return MemberPages.ok(api.get("/v1/research/runs/" + Forms.url(id), session.bearer())).compose(run -> {
      boolean running = "running".equals(run.getString("status"));
      Future<String> report = running ? Future.succeededFuture("")
          : api.get("/v1/research/runs/" + Forms.url(id) + "/report", session.bearer())
              .map(r -> r.ok() ? "<h2>Report</h2><pre class=\"card report\">" + Html.e(r.body()) + "</pre>" : "");
      return report.map(text -> {
        List<List<String>> rows = new ArrayList<>();
        for (Object s : run.getJsonArray("sections", new JsonArray())) {
          JsonObject section = (JsonObject) s;
          String receipt = section.getString("receipt");
          rows.add(List.of(Html.e(section.getString("id")), Html.e(section.getString("status")),
              Html.e(section.getString("leg", "—")) + (section.getBoolean("fallback", false) ? " (fallback)" : ""),
              Html.e(section.getString("upstream_model", "—")),
              Html.money(section.getLong("charged_micros"), section.getString("bucket")),
              receipt == null ? "—" : "<a href=\"/console/usage/" + Html.e(receipt) + "\">" + Html.e(receipt) + "</a>"));
        }
        String body = "<div id=\"run-body\"><p class=\"run-status\" role=\"status\">Status: <strong>" + Html.e(run.getString("status"))
            + "</strong>" + (running ? " <span class=\"live-note\">(this page follows the run as it goes)</span>" : "") + "</p>"
            + "<h2>Sections</h2>" + Html.table(List.of("Section", "Status", "Leg", "Upstream model", "Charged", "Receipt"), rows,
                "No section has finished yet.")
            + "<h2>Charged against the quote's envelope</h2><div class=\"grid\"><div class=\"card\"><h3>Charged</h3>"
            + new JsonView(console.zone()).render(run.getValue("charged"), null) + "</div><div class=\"card\"><h3>Envelope (the quote's maximum)</h3>"
            + new JsonView(console.zone()).render(run.getValue("envelope"), null) + "</div></div>" + text + "</div>";
        if (!running) {
          return Html.page("Research run", session, body);
        }
        String path = "/console/research/runs/" + Html.e(Forms.url(id));
        String live = "<div id=\"run-live\" data-events=\"" + path + "/events\"><h2>Progress</h2><ol id=\"run-events\" aria-live=\"polite\">"
            + "</ol></div>";
        // without script, the page refreshes itself; with it, the script follows the event stream instead
        return Html.page("Research run", session, body + live).replace("<head>", "<head><noscript><meta http-equiv=\"refresh\" content=\""
            + REFRESH_S + "\"></noscript>");
      });
    });
  }
}

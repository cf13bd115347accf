package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's pages, each over the admin API with the admin token the operator signed in with: channel health,
 * route spend against route limits, accounts (top-up, adjust, overdraft, limits), ledger verify and configuration
 * reload.
 */
final class OperatorPages {
  private final ConsoleRoutes console;
  private final Loopback api;
  private final AccountLimits limits;

  OperatorPages(ConsoleRoutes console, Loopback api) {
    this.console = console;
    this.api = api;
    this.limits = new AccountLimits(api);
  }

  void mount(Router router) {
    console.operator(router, HttpMethod.GET, "/console/ops/channels", this::channels);
    console.operator(router, HttpMethod.GET, "/console/ops/routes", this::routeSpend);
    console.operator(router, HttpMethod.GET, "/console/ops/accounts", this::accounts);
    console.operator(router, HttpMethod.POST, "/console/ops/accounts/:id/topup", this::topUp);
    console.operator(router, HttpMethod.POST, "/console/ops/accounts/:id/adjust", this::adjust);
    console.operator(router, HttpMethod.POST, "/console/ops/accounts/:id/overdraft", this::overdraft);
    console.operator(router, HttpMethod.GET, "/console/ops/ledger", (ctx, s) -> Future.succeededFuture(Html.page("Ledger verify", s,
        "<form method=\"post\" action=\"/console/ops/ledger\">" + Html.csrfField(s) + "<button type=\"submit\">Verify the ledger</button></form>")));
    console.operator(router, HttpMethod.POST, "/console/ops/ledger", this::verify);
    console.operator(router, HttpMethod.GET, "/console/ops/config", (ctx, s) -> Future.succeededFuture(configPage(s, "")));
    console.operator(router, HttpMethod.POST, "/console/ops/config", this::reload);
    limits.mount(console, router);
  }

  /** Today's charged spend per route and bucket, and every route limit: a shared one filling toward its cap. */
  private Future<String> routeSpend(RoutingContext ctx, Session session) {
    return MemberPages.ok(api.get("/admin/routes/spend", session.bearer())).map(answer -> {
      List<List<String>> spend = new ArrayList<>();
      for (Object r : answer.getJsonArray("routes", new JsonArray())) {
        JsonObject route = (JsonObject) r;
        spend.add(List.of(Html.e(route.getString("model")), Html.e(route.getString("route_type")), Html.e(route.getString("bucket")),
            Html.e(route.getLong("charged_requests")), Html.money(route.getLong("spend_micros"), route.getString("bucket"))));
      }
      List<List<String>> limitRows = new ArrayList<>();
      for (Object l : answer.getJsonArray("limits", new JsonArray())) {
        JsonObject limit = (JsonObject) l;
        String bucket = limit.getString("bucket");
        String metric = limit.getString("metric");
        String label = limit.getString("label") + " · " + limit.getString("model") + " " + limit.getString("route_type");
        boolean shared = limit.getBoolean("shared", false);
        String used = shared
            ? Html.bar(limit.getLong("spent") + limit.getLong("held"), limit.getLong("cap"), label) + " "
                + Html.limitAmount(limit.getLong("spent") + limit.getLong("held"), bucket, metric) + " of " + Html.limitAmount(limit.getLong("cap"), bucket, metric)
            : "cap " + Html.limitAmount(limit.getLong("cap"), bucket, metric) + " for each account";
        limitRows.add(List.of(Html.e(label), shared ? "all accounts together" : "each account on its own", used,
            shared ? Html.limitAmount(limit.getLong("remaining"), bucket, metric) : "—",
            limit.getString("resets_at") == null ? "never" : Html.time(limit.getString("resets_at"), console.zone())));
      }
      return Html.page("Route spend", session, "<p>" + Html.e(answer.getString("date")) + " in " + Html.e(answer.getString("time_zone"))
          + "</p><div class=\"card\">" + Html.table(List.of("Model", "Route type", "Bucket", "Charged requests", "Spend"), spend,
              "Nothing charged on this day.")
          + "</div><h2>Route limits</h2><div class=\"card limits\">" + Html.table(List.of("Limit", "Counted for", "Used (spent + held) of cap",
              "Remaining", "Resets at"), limitRows, "No route limit is configured.") + "</div>");
    });
  }

  /** Each channel's health over the breaker's window: state, success rate, p50/p95 latency and the last error. */
  private Future<String> channels(RoutingContext ctx, Session session) {
    return MemberPages.ok(api.get("/admin/channels", session.bearer())).map(answer -> {
      List<List<String>> rows = new ArrayList<>();
      for (Object c : answer.getJsonArray("data", new JsonArray())) {
        JsonObject channel = (JsonObject) c;
        JsonObject health = channel.getJsonObject("health", new JsonObject());
        JsonObject last = health.getJsonObject("last_error");
        Object rate = health.getValue("success_rate");
        rows.add(List.of(Html.e(channel.getString("id")), Html.e(channel.getString("kind")),
            "<strong class=\"state state-" + Html.e(health.getString("state")) + "\">" + Html.e(health.getString("state")) + "</strong>",
            Html.e(health.getValue("requests", 0)),
            rate == null ? "—" : Html.e(Math.round(((Number) rate).doubleValue() * 1000) / 10.0 + " %"),
            Html.e(health.getValue("latency_p50_ms", "—")) + " / " + Html.e(health.getValue("latency_p95_ms", "—")) + " ms",
            last == null ? "—" : "<code>" + Html.e(last.getString("outcome")) + "</code> " + Html.e(last.getString("message"))
                + " <span class=\"when\">at " + Html.time(last.getLong("at_ms"), console.zone()) + "</span>"));
      }
      return Html.page("Channels", session, "<div class=\"card\">" + Html.table(List.of("Channel", "Kind", "State", "Requests",
          "Success rate", "p50 / p95", "Last error"), rows, "No channel is configured.") + "</div>");
    });
  }

  private Future<String> accounts(RoutingContext ctx, Session session) {
    return MemberPages.ok(api.get("/admin/accounts", session.bearer())).compose(list -> {
      List<Future<String>> cards = new ArrayList<>();
      for (Object a : list.getJsonArray("data", new JsonArray())) {
        JsonObject account = (JsonObject) a;
        String id = account.getString("id");
        Future<JsonObject> wallet = MemberPages.ok(api.get("/admin/accounts/" + Forms.url(id) + "/wallet", session.bearer()));
        Future<JsonArray> own = limits.of(session, id);
        cards.add(Future.all(wallet, own).map(both -> accountCard(session, account, wallet.result().getJsonArray("buckets"),
            limits.render(session, id, own.result()))));
      }
      return Future.all(cards).map(all -> {
        StringBuilder body = new StringBuilder(Html.notice(Forms.flashed(ctx, session, "notice"), false))
            .append(Html.notice(Forms.flashed(ctx, session, "error"), true));
        for (int i = 0; i < all.size(); i++) {
          body.append(all.<String>resultAt(i));
        }
        return Html.page("Accounts", session, body.toString());
      });
    });
  }

  private String accountCard(Session session, JsonObject account, JsonArray buckets, String limitsHtml) {
    String id = Html.e(account.getString("id"));
    String bucketSelect = "<select name=\"bucket\" aria-label=\"Bucket\"><option>CREDIT</option><option>RMB</option></select>";
    return "<section class=\"card account\" data-account=\"" + id + "\"><h2>" + Html.e(account.getString("name"))
        + " <span class=\"mono\">" + id + "</span></h2>" + MemberPages.balances(buckets) + "<div class=\"grid\">"
        + "<form method=\"post\" action=\"/console/ops/accounts/" + id + "/topup\">" + Html.csrfField(session)
        + "<label for=\"topup-" + id + "\">Top up (amount)</label><input type=\"text\" id=\"topup-" + id + "\" name=\"amount\" inputmode=\"decimal\" required>"
        + bucketSelect + " <button type=\"submit\">Top up</button></form>"
        + "<form method=\"post\" action=\"/console/ops/accounts/" + id + "/adjust\">" + Html.csrfField(session)
        + "<label for=\"adjust-" + id + "\">Adjust (signed amount)</label><input type=\"text\" id=\"adjust-" + id + "\" name=\"amount\" required>"
        + "<label for=\"note-" + id + "\">Note</label><input type=\"text\" id=\"note-" + id + "\" name=\"note\" required>"
        + bucketSelect + " <button type=\"submit\">Adjust</button></form>"
        + "<form method=\"post\" action=\"/console/ops/accounts/" + id + "/overdraft\">" + Html.csrfField(session)
        + "<label for=\"overdraft-" + id + "\">Overdraft (amount, 0 for none)</label><input type=\"text\" id=\"overdraft-" + id
        + "\" name=\"amount\" required>" + bucketSelect + " <button type=\"submit\">Set overdraft</button></form></div>" + limitsHtml
        + "</section>";
  }

  /** A decimal amount typed by the operator as micro-units, exactly; null when it is not one. */
  static Long micros(String amount) {
    try {
      return new BigDecimal(Forms.text(amount)).movePointRight(6).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      return null;
    }
  }

  private Future<String> topUp(RoutingContext ctx, Session session) {
    JsonObject body = new JsonObject().put("bucket", bucket(ctx)).put("amount", Forms.text(ctx.request().getFormAttribute("amount")))
        .put("idempotency_key", "console-" + Sessions.newToken()).put("note", "console top-up");
    return back(ctx, session, api.post("/admin/accounts/" + Forms.url(ctx.pathParam("id")) + "/topups", session.bearer(), body), "Topped up.");
  }

  private Future<String> adjust(RoutingContext ctx, Session session) {
    Long micros = micros(ctx.request().getFormAttribute("amount"));
    if (micros == null) {
      return back(ctx, session, Future.succeededFuture(null), "An adjustment is a decimal amount, such as -2.50.");
    }
    JsonObject body = new JsonObject().put("bucket", bucket(ctx)).put("amount_micros", micros)
        .put("idempotency_key", "console-" + Sessions.newToken()).put("note", Forms.text(ctx.request().getFormAttribute("note")));
    return back(ctx, session, api.post("/admin/accounts/" + Forms.url(ctx.pathParam("id")) + "/adjustments", session.bearer(), body), "Adjusted.");
  }

  private Future<String> overdraft(RoutingContext ctx, Session session) {
    Long micros = micros(ctx.request().getFormAttribute("amount"));
    if (micros == null) {
      return back(ctx, session, Future.succeededFuture(null), "An overdraft is a decimal amount, such as 10.00.");
    }
    JsonObject body = new JsonObject().put("bucket", bucket(ctx)).put("overdraft_micros", micros);
    return back(ctx, session, api.put("/admin/accounts/" + Forms.url(ctx.pathParam("id")) + "/overdraft", session.bearer(), body), "Overdraft set.");
  }

  private static String bucket(RoutingContext ctx) {
    return "RMB".equals(ctx.request().getFormAttribute("bucket")) ? "RMB" : "CREDIT";
  }

  /** Back to the accounts page, saying what happened; a null reply means {@code done} is the error to show. */
  static Future<String> back(RoutingContext ctx, Session session, Future<Loopback.Reply> reply, String done) {
    return reply.map(r -> {
      String query = r == null ? Forms.flash(session, "error", done) : r.ok() ? Forms.flash(session, "notice", done)
          : Forms.flash(session, "error", r.error());
      ConsoleRoutes.redirect(ctx, "/console/ops/accounts?" + query);
      return "";
    });
  }

  private Future<String> verify(RoutingContext ctx, Session session) {
    return api.get("/admin/ledger/verify", session.bearer()).map(reply -> {
      JsonObject result = reply.json();
      boolean ok = result.getBoolean("ok", false);
      return Html.page("Ledger verify", session, Html.notice(ok ? "The ledger verifies: every invariant holds."
              : "The ledger does NOT verify; see the report.", !ok)
          + "<pre class=\"card mono\" id=\"verify-report\">" + Html.e(result.getString("report", reply.error())) + "</pre>");
    });
  }

  private String configPage(Session session, String result) {
    return Html.page("Configuration", session, result + "<p>Reloads the YAML file the gateway started with. A rejected file"
        + " keeps the previous configuration serving; its errors name the file and line.</p><form method=\"post\""
        + " action=\"/console/ops/config\">" + Html.csrfField(session) + "<button type=\"submit\">Reload the configuration</button></form>");
  }

  private Future<String> reload(RoutingContext ctx, Session session) {
    return api.post("/admin/config/reload", session.bearer(), new JsonObject()).map(reply -> configPage(session, reply.ok()
        ? Html.notice("Reloaded: " + reply.json().getValue("models") + " models, " + reply.json().getValue("channels") + " channels.", false)
        : "<div class=\"notice error\" role=\"alert\"><p>Rejected; the previous configuration keeps serving.</p><pre class=\"mono\""
            + " id=\"config-errors\">" + Html.e(reply.error()) + "</pre></div>"));
  }
}

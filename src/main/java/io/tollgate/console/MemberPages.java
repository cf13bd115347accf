package io.tollgate.console;

import io.tollgate.auth.Keys;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.tollgate.config.Bucket;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** A member's overview and wallet; the other member pages are mounted from here too. */
final class MemberPages {
  /** The name (and start of the name) of the key a sign-in mints for its session. */
  static final String SESSION_KEY_NAME = "console session";
  private static final int CHART_DAYS = 30;
  private final ConsoleRoutes console;
  private final Loopback api;
  private final Keys keys;
  private final StoreAccess store;
  private final Clock clock;

  MemberPages(ConsoleRoutes console, Loopback api, Keys keys, StoreAccess store, Clock clock) {
    this.console = console;
    this.api = api;
    this.keys = keys;
    this.store = store;
    this.clock = clock;
  }

  void mount(Router router) {
    console.member(router, HttpMethod.GET, "/console/overview", this::overview);
    console.member(router, HttpMethod.GET, "/console/wallet", this::wallet);
    console.member(router, HttpMethod.POST, "/console/wallet/redeem", this::redeem);
    console.member(router, HttpMethod.GET, "/console/wallet.csv", this::walletCsv);
    new KeysPage(console, api, keys, store).mount(router);
    new UsagePages(console, api).mount(router);
    new PlaygroundPages(console, api).mount(router);
    new ResearchPages(console, api).mount(router);
  }

  /** Fails the page with the API's own message when the API refused. */
  static Future<JsonObject> ok(Future<Loopback.Reply> reply) {
    return reply.compose(r -> r.ok() ? Future.succeededFuture(r.json())
        : Future.failedFuture(new PageException(r.status() == 404 ? 404 : r.status() == 403 ? 403 : 400, r.error())));
  }

  private Future<String> overview(RoutingContext ctx, Session session) {
    LocalDate today = LocalDate.now(clock.withZone(console.zone()));
    String usagePath = "/v1/usage?group_by=day,bucket&from=" + today.minusDays(CHART_DAYS - 1) + "&to=" + today;
    Future<JsonObject> wallet = ok(api.get("/v1/wallet", session.bearer()));
    // the limits of every live key of the project, not only the session's own key: a member's keys all spend for them
    Future<JsonObject> limits = ok(api.get("/v1/limits?keys=project", session.bearer()));
    Future<JsonObject> usage = ok(api.get(usagePath, session.bearer()));
    return Future.all(wallet, limits, usage).map(all -> Html.page("Overview", session,
        "<h2>Balances</h2>" + balances(wallet.result().getJsonArray("buckets"))
            + "<h2>Limits today</h2>" + limitBars(limits.result().getJsonArray("data"))
            + "<h2>Spend, last " + CHART_DAYS + " days</h2>" + charts(usage.result().getJsonArray("data"), today)));
  }

  static String balances(JsonArray buckets) {
    StringBuilder out = new StringBuilder("<div class=\"grid\">");
    for (Object b : buckets) {
      JsonObject w = (JsonObject) b;
      String bucket = w.getString("bucket");
      out.append("<section class=\"card balance\" data-bucket=\"").append(Html.e(bucket)).append("\"><h3>").append(Html.e(bucket))
          .append("</h3><dl class=\"facts\"><dt>Available</dt><dd class=\"available\">")
          .append(Html.money(w.getLong("available_micros"), bucket)).append("</dd><dt>Balance</dt><dd>")
          .append(Html.money(w.getLong("balance_micros"), bucket)).append("</dd><dt>Held</dt><dd>")
          .append(Html.money(w.getLong("held_micros"), bucket)).append("</dd>");
      if (w.getLong("overdraft_micros", 0L) > 0) {
        out.append("<dt>Overdraft</dt><dd>").append(Html.money(w.getLong("overdraft_micros"), bucket)).append("</dd>");
      }
      out.append("</dl></section>");
    }
    return out.append("</div>").toString();
  }

  private String limitBars(JsonArray limits) {
    List<List<String>> rows = new ArrayList<>();
    for (Object l : limits) {
      JsonObject limit = (JsonObject) l;
      String bucket = limit.getString("bucket");
      long cap = limit.getLong("cap");
      long used = limit.getLong("spent") + limit.getLong("held");
      String label = limit.getString("label", limit.getString("scope"))
          + (limit.getString("model") == null ? "" : " · " + limit.getString("model") + " " + limit.getString("route_type"))
          + (limit.getString("key_name") == null ? "" : " · key " + limit.getString("key_name"));
      rows.add(List.of("<span class=\"limit-label\">" + Html.e(label) + "</span>",
          Html.bar(used, cap, label) + " <span class=\"limit-used\" data-limit=\"" + Html.e(limit.getString("id")) + "\">"
              + Html.limitAmount(used, bucket, limit.getString("metric")) + " of " + Html.limitAmount(cap, bucket, limit.getString("metric")) + "</span>",
          Html.limitAmount(limit.getLong("remaining"), bucket, limit.getString("metric")),
          Html.e(limit.getString("window")), Html.time(limit.getString("resets_at"), console.zone())));
    }
    return "<div class=\"card limits\">" + Html.table(List.of("Limit", "Used (spent + held) of cap", "Remaining", "Window",
        "Resets at"), rows, "No limit applies to this account's keys.") + "</div>";
  }

  /**
   * One bar chart per bucket: the day's charged spend. Drawn by uPlot in the browser from the figure's data
   * attributes; the server-drawn SVG inside is what a browser without script shows.
   */
  private String charts(JsonArray rows, LocalDate today) {
    Map<String, Map<String, Long>> byBucket = new TreeMap<>();
    for (Object r : rows) {
      JsonObject row = (JsonObject) r;
      if (row.getString("bucket") != null) {
        byBucket.computeIfAbsent(row.getString("bucket"), b -> new LinkedHashMap<>())
            .merge(row.getString("day"), row.getLong("charged_micros", 0L), Long::sum);
      }
    }
    if (byBucket.isEmpty()) {
      return "<p class=\"empty\">Nothing charged in the last " + CHART_DAYS + " days.</p>";
    }
    StringBuilder out = new StringBuilder("<div class=\"grid\">");
    byBucket.forEach((bucket, days) -> {
      long max = Math.max(1, days.values().stream().mapToLong(Long::longValue).max().orElse(1));
      long total = days.values().stream().mapToLong(Long::longValue).sum();
      StringJoiner dayList = new StringJoiner(",");
      StringJoiner values = new StringJoiner(",");
      StringBuilder bars = new StringBuilder();
      for (int i = 0; i < CHART_DAYS; i++) {
        LocalDate day = today.minusDays(CHART_DAYS - 1 - i);
        long spent = days.getOrDefault(day.toString(), 0L);
        dayList.add(day.toString());
        values.add(BigDecimal.valueOf(spent, 6).toPlainString());
        long height = spent * 96 / max;
        bars.append("<rect x=\"").append(i * 10 + 1).append("\" y=\"").append(100 - height).append("\" width=\"8\" height=\"")
            .append(height).append("\"><title>").append(day).append(": ").append(Html.money(spent, bucket)).append("</title></rect>");
      }
      String currency = Bucket.valueOf(bucket).currency();
      out.append("<figure class=\"card spend-chart\" data-chart data-currency=\"").append(Html.e(currency)).append("\" data-days=\"")
          .append(dayList).append("\" data-values=\"").append(values).append("\"><figcaption>").append(Html.e(bucket)).append(": ")
          .append(Html.money(total, bucket)).append(" in ").append(CHART_DAYS).append(" days</figcaption>")
          .append("<svg class=\"chart\" viewBox=\"0 0 300 100\" role=\"img\" aria-label=\"Daily spend in ").append(Html.e(bucket))
          .append("\">").append(bars).append("</svg></figure>");
    });
    return out.append("</div>").toString();
  }

  private Future<String> wallet(RoutingContext ctx, Session session) {
    return ok(api.get("/v1/wallet", session.bearer())).compose(wallet -> {
      JsonArray buckets = wallet.getJsonArray("buckets");
      List<Future<String>> ledgers = new ArrayList<>();
      for (Object b : buckets) {
        String bucket = ((JsonObject) b).getString("bucket");
        ledgers.add(ok(api.get("/v1/wallet/ledger?bucket=" + bucket + "&limit=100", session.bearer()))
            .map(entries -> ledger(bucket, entries.getJsonArray("data"))));
      }
      return Future.all(ledgers).map(all -> {
        StringBuilder body = new StringBuilder(Html.notice(Forms.flashed(ctx, session, "notice"), false))
            .append(Html.notice(Forms.flashed(ctx, session, "error"), true))
            .append(balances(buckets))
            .append("<section class=\"card\"><h2>Redeem a code</h2><form method=\"post\" action=\"/console/wallet/redeem\">")
            .append(Html.csrfField(session))
            .append("<label for=\"code\">Code</label><input type=\"text\" id=\"code\" name=\"code\" required autocomplete=\"off\""
                + " placeholder=\"tgr-...\"><button type=\"submit\">Redeem</button></form></section>");
        for (int i = 0; i < all.size(); i++) {
          body.append(all.<String>resultAt(i));
        }
        return Html.page("Wallet", session, body.toString());
      });
    });
  }

  private String ledger(String bucket, JsonArray entries) {
    List<List<String>> rows = new ArrayList<>();
    for (Object e : entries) {
      JsonObject entry = (JsonObject) e;
      String request = entry.getString("request_id");
      rows.add(List.of(Html.time(entry.getLong("created_at_ms"), console.zone()), Html.e(entry.getString("kind")),
          Html.money(entry.getLong("amount_micros"), bucket), Html.money(entry.getLong("balance_after_micros"), bucket),
          request == null ? Html.e(entry.getString("note")) : "<a href=\"/console/usage/" + Html.e(request) + "\">" + Html.e(request) + "</a>"));
    }
    return "<section class=\"card ledger\" data-bucket=\"" + Html.e(bucket) + "\"><h2>" + Html.e(bucket) + " ledger</h2>"
        + "<p><a href=\"/console/wallet.csv?bucket=" + Html.e(bucket) + "\" download>Download CSV</a></p>"
        + Html.table(List.of("Time", "Kind", "Amount", "Balance after", "Request or note"), rows, "No entries yet.") + "</section>";
  }

  private Future<String> redeem(RoutingContext ctx, Session session) {
    String code = ctx.request().getFormAttribute("code");
    return api.post("/v1/wallet/redeem", session.bearer(), new JsonObject().put("code", code == null ? "" : code.trim()))
        .map(reply -> {
          ConsoleRoutes.redirect(ctx, "/console/wallet?" + (reply.ok() ? Forms.flash(session, "notice", "Code redeemed.")
              : Forms.flash(session, "error", reply.error())));
          return "";
        });
  }

  private Future<String> walletCsv(RoutingContext ctx, Session session) {
    String bucket = "RMB".equals(ctx.request().getParam("bucket")) ? "RMB" : "CREDIT";
    return api.get("/v1/wallet/ledger?bucket=" + bucket + "&limit=100&format=csv", session.bearer()).map(reply -> {
      if (!reply.ok()) {
        throw new PageException(400, reply.error());
      }
      ctx.response().putHeader("content-type", "text/csv; charset=utf-8")
          .putHeader("content-disposition", "attachment; filename=\"ledger-" + bucket + ".csv\"").end(reply.body());
      return "";
    });
  }
}

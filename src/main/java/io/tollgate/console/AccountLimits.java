package io.tollgate.console;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Money;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * An account's own limits on the operator's accounts page: each with what is spent and left and when it resets;
 * set one (spend, tokens or requests, per day or per month; the same shape replaces its cap) or remove one, through
 * {@code /admin/limits} as the operator.
 */
final class AccountLimits {
  private final Loopback api;

  AccountLimits(Loopback api) {
    this.api = api;
  }

  void mount(ConsoleRoutes console, Router router) {
    console.operator(router, HttpMethod.POST, "/console/ops/accounts/:id/limits", this::set);
    console.operator(router, HttpMethod.POST, "/console/ops/accounts/:id/limits/:limit/remove", this::remove);
  }

  /** The account's limits, as {@code GET /admin/limits?subject=} answers. */
  Future<JsonArray> of(Session session, String accountId) {
    return MemberPages.ok(api.get("/admin/limits?subject=" + Forms.url(accountId), session.bearer()))
        .map(answer -> answer.getJsonArray("data", new JsonArray()));
  }

  String render(Session session, String accountId, JsonArray limits) {
    String id = Html.e(accountId);
    List<List<String>> rows = new ArrayList<>();
    for (Object o : limits) {
      JsonObject limit = (JsonObject) o;
      if (!"account".equals(limit.getString("scope"))) {
        continue;
      }
      rows.add(List.of(Html.e(limit.getString("metric") + " per " + limit.getString("window")), amount(limit, "cap"),
          amount(limit, "spent"), amount(limit, "remaining"), Html.e(limit.getString("resets_at", "—")),
          "<form method=\"post\" action=\"/console/ops/accounts/" + id + "/limits/" + Html.e(limit.getString("id")) + "/remove\">"
              + Html.csrfField(session) + "<button type=\"submit\" class=\"danger\">Remove</button></form>"));
    }
    return "<h3>Account limits</h3>" + Html.table(List.of("Limit", "Cap", "Spent", "Remaining", "Resets at", ""), rows,
        "No limit of its own.")
        + "<form method=\"post\" action=\"/console/ops/accounts/" + id + "/limits\" class=\"filters\">" + Html.csrfField(session)
        + "<div><label for=\"limit-metric-" + id + "\">Metric</label><select id=\"limit-metric-" + id + "\" name=\"metric\">"
        + "<option>spend</option><option>tokens</option><option>requests</option></select></div>"
        + "<div><label for=\"limit-window-" + id + "\">Window</label><select id=\"limit-window-" + id + "\" name=\"window\">"
        + "<option>day</option><option>month</option></select></div>"
        + "<div><label for=\"limit-cap-" + id + "\">Cap (an amount for spend, else a count)</label><input type=\"text\" id=\"limit-cap-"
        + id + "\" name=\"cap\" required></div>"
        + "<div><label for=\"limit-bucket-" + id + "\">Bucket (spend)</label><select id=\"limit-bucket-" + id + "\" name=\"bucket\">"
        + "<option>RMB</option><option>CREDIT</option></select></div>"
        + "<div><button type=\"submit\">Set limit</button></div></form>";
  }

  private static String amount(JsonObject limit, String field) {
    Object value = limit.getValue(field);
    if (!(value instanceof Number n)) {
      return "—";
    }
    String bucket = limit.getString("bucket");
    return Html.e(bucket == null ? n.longValue() + " " + limit.getString("metric") : Money.format(n.longValue(), Bucket.valueOf(bucket)));
  }

  private Future<String> set(RoutingContext ctx, Session session) {
    String metric = Forms.text(ctx.request().getFormAttribute("metric"));
    String cap = Forms.text(ctx.request().getFormAttribute("cap"));
    JsonObject body = new JsonObject().put("scope", "account").put("subject", ctx.pathParam("id")).put("metric", metric)
        .put("window", Forms.text(ctx.request().getFormAttribute("window")));
    if ("spend".equals(metric)) {
      body.put("cap", cap).put("bucket", "CREDIT".equals(ctx.request().getFormAttribute("bucket")) ? "CREDIT" : "RMB");
    } else {
      try {
        body.put("cap", Long.parseLong(cap));
      } catch (NumberFormatException e) {
        return OperatorPages.back(ctx, session, Future.succeededFuture(null), "A " + metric + " cap is a whole number, not '" + cap + "'.");
      }
    }
    return OperatorPages.back(ctx, session, api.post("/admin/limits", session.bearer(), body), "Limit set.");
  }

  private Future<String> remove(RoutingContext ctx, Session session) {
    return OperatorPages.back(ctx, session, api.delete("/admin/limits/" + Forms.url(ctx.pathParam("limit")), session.bearer()),
        "Limit removed.");
  }
}

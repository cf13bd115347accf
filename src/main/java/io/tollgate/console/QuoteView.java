package io.tollgate.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * A quote ({@code POST /v1/quote}) as the catalog's route preview shows it: the verdict and the cost first, the legs in
 * order with what each may cost, the warnings and the room in each limit; the whole answer below, folded.
 */
final class QuoteView {
  private QuoteView() {}

  static String render(JsonObject quote, ZoneId zone) {
    JsonObject cost = quote.getJsonObject("cost", new JsonObject());
    String bucket = cost.getString("bucket");
    boolean admitted = quote.getBoolean("would_be_admitted", false);
    JsonObject refusal = quote.getJsonObject("refusal");
    StringBuilder out = new StringBuilder("<dl class=\"facts\"><dt>Route</dt><dd>").append(Html.e(quote.getString("model")))
        .append(' ').append(Html.e(quote.getString("route_type"))).append("</dd><dt>Would be admitted</dt><dd class=\"admitted\">")
        .append(admitted ? "yes, on " + Html.e(quote.getString("admitted_leg")) : "no: " + Html.e(refusal == null ? "" : refusal.getString("message")))
        .append("</dd><dt>Cost</dt><dd>").append(Html.money(cost.getLong("min_micros"), bucket)).append(" to ")
        .append(Html.money(cost.getLong("max_micros"), bucket)).append(", expected ").append(Html.money(cost.getLong("expected_micros"), bucket))
        .append("</dd></dl>");
    List<List<String>> legs = new ArrayList<>();
    for (Object l : quote.getJsonArray("legs", new JsonArray())) {
      JsonObject leg = (JsonObject) l;
      JsonObject health = leg.getJsonObject("health", new JsonObject());
      legs.add(List.of(Html.e(leg.getString("leg")), Html.e(leg.getString("channel")), Html.e(leg.getString("upstream_model")),
          Html.e(leg.getString("bucket")), Html.money(leg.getLong("max_cost_micros"), leg.getString("bucket")),
          Html.e(health.getString("state", "—")),
          leg.getBoolean("usable", true) ? "yes" : "no (" + Html.e(leg.getString("skip_reason")) + ")"));
    }
    out.append("<h3>Legs, in the order they are tried</h3>").append(Html.table(List.of("Leg", "Channel", "Upstream model", "Bucket",
        "At most", "Health", "Usable"), legs, "No leg."));
    StringBuilder warnings = new StringBuilder();
    for (Object w : quote.getJsonArray("warnings", new JsonArray())) {
      JsonObject warning = (JsonObject) w;
      warnings.append("<li><strong>").append(Html.e(warning.getString("code"))).append("</strong>: ")
          .append(Html.e(warning.getString("message"))).append("</li>");
    }
    if (warnings.length() > 0) {
      out.append("<h3>Warnings</h3><ul class=\"warnings\">").append(warnings).append("</ul>");
    }
    return out.append("<details><summary>The whole quote</summary>").append(new JsonView(zone).render(quote, null))
        .append("</details>").toString();
  }
}

package io.tollgate.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;

/** One receipt as the console shows it: the summary a production call gets, then its attempts as a timeline. */
final class ReceiptView {
  private ReceiptView() {}

  static String render(JsonObject r, ZoneId zone) {
    String bucket = r.getString("bucket");
    JsonObject usage = r.getJsonObject("usage", new JsonObject());
    StringBuilder out = new StringBuilder("<section class=\"card receipt\" data-request-id=\"").append(Html.e(r.getString("id")))
        .append("\"><h2>Receipt <span class=\"mono\">").append(Html.e(r.getString("id"))).append("</span></h2><dl class=\"facts\">");
    fact(out, "Time", Html.time(r.getLong("created_at_ms", 0L), zone));
    fact(out, "Outcome", "<span class=\"outcome\">" + Html.e(r.getString("outcome")) + "</span> (HTTP " + r.getInteger("http_status", 0) + ")");
    fact(out, "Model", Html.e(r.getString("requested_model")));
    fact(out, "Route", "<span class=\"route\">" + Html.e(r.getString("route_type")) + "</span>");
    fact(out, "Leg that served", "<span class=\"leg\">" + Html.e(r.getString("leg", "none")) + "</span>");
    fact(out, "Upstream model", "<span class=\"upstream-model\">" + Html.e(r.getString("upstream_model", "—")) + "</span>");
    fact(out, "Fallback", "<span class=\"fallback\">" + (r.getBoolean("fallback", false) ? "yes" : "no") + "</span>"
        + (r.getString("fallback_reason") == null ? "" : " (" + Html.e(r.getString("fallback_reason")) + ")"));
    fact(out, "Bucket", Html.e(bucket == null ? "—" : bucket));
    fact(out, "Tokens", Html.e(usage.getValue("prompt_tokens", "—") + " in, " + usage.getValue("completion_tokens", "—") + " out"));
    fact(out, "Cost", "<span class=\"cost\">" + Html.money(r.getLong("cost_micros"), bucket) + "</span>"
        + (r.getBoolean("charged", false) ? " (charged)" : " (not charged)"));
    fact(out, "Balance after", "<span class=\"balance-after\">" + Html.money(r.getLong("balance_after_micros"), bucket) + "</span>");
    if (r.getString("error_code") != null) {
      fact(out, "Error", Html.e(r.getString("error_code")));
    }
    out.append("</dl><h3>Attempts</h3><ol class=\"timeline\">");
    JsonArray attempts = r.getJsonArray("attempts", new JsonArray());
    for (Object a : attempts) {
      JsonObject attempt = (JsonObject) a;
      String outcome = attempt.getString("outcome");
      boolean ok = "ok".equals(outcome);
      boolean skipped = outcome != null && outcome.startsWith("skipped");
      out.append("<li class=\"attempt ").append(ok ? "ok" : skipped ? "skipped" : "failed").append("\"><strong>")
          .append(Html.e(attempt.getString("leg"))).append("</strong> · ").append(Html.e(attempt.getString("channel")))
          .append(" · ").append(Html.e(attempt.getString("upstream_model"))).append(" · <span class=\"attempt-outcome\">")
          .append(Html.e(outcome)).append("</span>");
      if (attempt.getInteger("status") != null) {
        out.append(" (HTTP ").append(attempt.getInteger("status")).append(')');
      }
      out.append(" · ").append(attempt.getLong("latency_ms", 0L)).append(" ms");
      if (attempt.getBoolean("charged", false)) {
        out.append(" · charged");
      }
      if (attempt.getString("error") != null) {
        out.append("<br><span class=\"mono\">").append(Html.e(attempt.getString("error"))).append("</span>");
      }
      out.append("</li>");
    }
    if (attempts.isEmpty()) {
      out.append("<li>No upstream attempt (refused before any call).</li>");
    }
    return out.append("</ol></section>").toString();
  }

  private static void fact(StringBuilder out, String name, String html) {
    out.append("<dt>").append(Html.e(name)).append("</dt><dd>").append(html).append("</dd>");
  }
}

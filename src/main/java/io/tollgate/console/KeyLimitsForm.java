package io.tollgate.console;

import io.tollgate.ledger.Money;
import io.tollgate.limits.Limit;
import io.tollgate.limits.LimitsApi;
import io.tollgate.limits.Metric;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The limits a new key may be given on the keys page: spend (in one bucket), tokens and requests, each per day and
 * per month; every field optional. Read into the bodies {@code POST /v1/limits} takes, refusing a bad value before
 * anything is created.
 */
final class KeyLimitsForm {
  /** A field of the form: its name, the limit's metric and window, and how its value reads. */
  private record Field(String name, String metric, String window, String label) {}

  /** {@code cap} is the daily spend cap's name from before monthly and count limits were offered. */
  private static final List<Field> FIELDS = List.of(
      new Field("cap", "spend", "day", "Spend per day (a decimal amount)"),
      new Field("spend_month", "spend", "month", "Spend per month (a decimal amount)"),
      new Field("tokens_day", "tokens", "day", "Tokens per day"),
      new Field("tokens_month", "tokens", "month", "Tokens per month"),
      new Field("requests_day", "requests", "day", "Requests per day"),
      new Field("requests_month", "requests", "month", "Requests per month"));

  /** What the form asked for: the limit bodies, or the message saying which field to fix. */
  record Parsed(List<JsonObject> limits, String error) {}

  private KeyLimitsForm() {}

  /**
   * The form's limits, each checked as {@code POST /v1/limits} checks it ({@link LimitsApi#ownLimitRefusal}), so a
   * limit the API would refuse is refused here, before the key exists.
   */
  static Parsed parse(RoutingContext ctx, long nowMs) {
    String bucket = "CREDIT".equals(ctx.request().getFormAttribute("bucket")) ? "CREDIT" : "RMB";
    List<JsonObject> out = new ArrayList<>();
    for (Field field : FIELDS) {
      String value = Forms.text(ctx.request().getFormAttribute(field.name()));
      if (value.isEmpty()) {
        continue;
      }
      JsonObject limit = new JsonObject().put("metric", field.metric()).put("window", field.window());
      if (field.metric().equals("spend")) {
        Long micros = OperatorPages.micros(value);
        if (micros == null || micros < 0) {
          return new Parsed(List.of(), field.label() + ": '" + value + "' (expected: a decimal amount, such as 5.00)");
        }
        limit.put("bucket", bucket).put("cap", value);
      } else {
        long cap;
        try {
          cap = Long.parseLong(value);
        } catch (NumberFormatException e) {
          cap = -1;
        }
        if (cap < 0) {
          return new Parsed(List.of(), field.label() + ": '" + value + "' (expected: a whole number, 0 or more)");
        }
        limit.put("cap", cap);
      }
      String refused = LimitsApi.ownLimitRefusal(limit, nowMs);
      if (refused != null) {
        return new Parsed(List.of(), field.label() + ": '" + value + "' is refused: " + refused);
      }
      out.add(limit);
    }
    return new Parsed(out, null);
  }

  static String fieldset() {
    StringBuilder out = new StringBuilder("<fieldset><legend>Its own limits (optional; each applies beside the account's)</legend>"
        + "<div class=\"limits-grid\">");
    for (Field field : FIELDS) {
      String placeholder = field.metric().equals("spend") ? " inputmode=\"decimal\" placeholder=\"e.g. 5.00\"" : " inputmode=\"numeric\"";
      out.append("<div><label for=\"").append(field.name()).append("\">").append(Html.e(field.label())).append("</label><input type=\"text\" id=\"")
          .append(field.name()).append("\" name=\"").append(field.name()).append('"').append(placeholder).append("></div>");
    }
    return out.append("</div><label for=\"bucket\">Bucket the spend limits count</label><select id=\"bucket\" name=\"bucket\">"
        + "<option>RMB</option><option>CREDIT</option></select></fieldset>").toString();
  }

  /** A key's own limits for the keys table, such as "3 requests per day; 5.000000 CNY per day". */
  static String describe(List<Limit> limits) {
    if (limits.isEmpty()) {
      return "—";
    }
    List<String> parts = new ArrayList<>();
    for (Limit limit : limits) {
      String cap = limit.metric() == Metric.SPEND ? Money.format(limit.cap(), limit.bucket())
          : limit.cap() + " " + limit.metric().wireName();
      parts.add(cap + " per " + limit.window().wireName() + (limit.model() == null ? "" : " on " + limit.model()));
    }
    return Html.e(String.join("; ", parts));
  }
}

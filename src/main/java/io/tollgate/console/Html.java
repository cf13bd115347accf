package io.tollgate.console;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Money;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** HTML building blocks: escaping (every value from outside goes through {@link #e}), money, times and the layout. */
final class Html {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z");

  private Html() {}

  /** Escapes text for an element's content or a quoted attribute. */
  static String e(Object value) {
    if (value == null) {
      return "";
    }
    String text = value.toString();
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** Micro-units in their bucket's currency, with the unit: "1.234500 CNY"; "—" when unknown. */
  /** A limit's figure: money in its bucket's currency for a spend limit, else the count with its metric. */
  static String limitAmount(long value, String bucket, String metric) {
    return "spend".equals(metric) && bucket != null ? money(value, bucket) : e(value + " " + metric);
  }

  static String money(Long micros, String bucket) {
    if (micros == null || bucket == null) {
      return "—";
    }
    return e(Money.format(micros, Bucket.valueOf(bucket)));
  }

  static String time(long epochMs, ZoneId zone) {
    return e(TIME.format(Instant.ofEpochMilli(epochMs).atZone(zone)));
  }

  static String time(String isoInstant, ZoneId zone) {
    return isoInstant == null ? "—" : e(TIME.format(Instant.parse(isoInstant).atZone(zone)));
  }

  static String csrfField(Session session) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" + e(session.csrf()) + "\">";
  }

  /** A table with a header row; each row's cells are already HTML. */
  static String table(List<String> headers, List<List<String>> rows, String emptyText) {
    if (rows.isEmpty()) {
      return "<p class=\"empty\">" + e(emptyText) + "</p>";
    }
    StringBuilder out = new StringBuilder("<div class=\"scroll\"><table><thead><tr>");
    headers.forEach(h -> out.append("<th scope=\"col\">").append(e(h)).append("</th>"));
    out.append("</tr></thead><tbody>");
    for (List<String> row : rows) {
      out.append("<tr>");
      row.forEach(cell -> out.append("<td>").append(cell).append("</td>"));
      out.append("</tr>");
    }
    return out.append("</tbody></table></div>").toString();
  }

  /** A bar that fills toward a cap: {@code used} of {@code cap}, with the text beside it. */
  static String bar(long used, long cap, String label) {
    long percent = cap <= 0 ? 100 : Math.min(100, Math.max(0, used * 100 / cap));
    String level = percent >= 90 ? "high" : percent >= 60 ? "mid" : "low";
    return "<div class=\"bar " + level + "\" role=\"meter\" aria-valuemin=\"0\" aria-valuemax=\"100\" aria-valuenow=\""
        + percent + "\" aria-label=\"" + e(label) + "\" data-percent=\"" + percent + "\"><span style=\"width:" + percent
        + "%\"></span></div>";
  }

  static String notice(String text, boolean error) {
    return text == null || text.isBlank() ? "" : "<p class=\"notice" + (error ? " error" : "") + "\" role=\""
        + (error ? "alert" : "status") + "\">" + e(text) + "</p>";
  }

  /** The whole page: skip link, navigation for the session's role, and the body. */
  static String page(String title, Session session, String body) {
    StringBuilder nav = new StringBuilder();
    if (session != null) {
      List<String[]> links = session.operator()
          ? List.of(new String[] {"/console/ops/channels", "Channels"}, new String[] {"/console/ops/routes", "Route spend"},
              new String[] {"/console/ops/accounts", "Accounts"}, new String[] {"/console/ops/ledger", "Ledger verify"},
              new String[] {"/console/ops/config", "Configuration"})
          : List.of(new String[] {"/console/overview", "Overview"}, new String[] {"/console/keys", "Keys"},
              new String[] {"/console/catalog", "Catalog"}, new String[] {"/console/playground", "Playground"},
              new String[] {"/console/usage", "Usage"}, new String[] {"/console/wallet", "Wallet"},
              new String[] {"/console/research", "Research"});
      nav.append("<nav aria-label=\"Console\"><ul>");
      for (String[] link : links) {
        boolean current = link[1].equals(title);
        nav.append("<li><a href=\"").append(link[0]).append('"').append(current ? " aria-current=\"page\"" : "").append('>')
            .append(e(link[1])).append("</a></li>");
      }
      nav.append("</ul><form method=\"post\" action=\"/console/sign-out\" class=\"signout\">").append(csrfField(session))
          .append(session.user() == null ? "<span class=\"who\">" + e(session.who()) + "</span>"
              : "<a class=\"who\" href=\"/console/password\" title=\"Change your password\">" + e(session.who()) + "</a>")
          .append(" <button type=\"submit\">Sign out</button></form></nav>");
    }
    return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        // no icon: without this line every page load asks for /favicon.ico and logs its 404 in the browser console
        + "<link rel=\"icon\" href=\"data:,\">"
        + "<title>" + e(title) + " · Tollgate console</title>"
        + "<link rel=\"stylesheet\" href=\"/console/assets/uPlot.min.css\">"
        + "<link rel=\"stylesheet\" href=\"/console/assets/console.css\">"
        + "<script src=\"/console/assets/uPlot.iife.min.js\" defer></script>"
        + "<script src=\"/console/assets/console.js\" defer></script></head><body>"
        + "<a class=\"skip\" href=\"#main\">Skip to content</a>"
        + "<header><a class=\"brand\" href=\"/console\">Tollgate</a>" + nav + "</header>"
        + "<main id=\"main\" tabindex=\"-1\"><h1>" + e(title) + "</h1>" + body + "</main></body></html>";
  }
}

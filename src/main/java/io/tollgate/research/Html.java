package io.tollgate.research;

/**
 * A small Markdown-to-HTML rendering of the report's own Markdown (headings, tables, quotes, lists, paragraphs and
 * the inline SVG): enough for the report, which writes only these.
 */
final class Html {
  private Html() {}

  static String of(String title, String markdown) {
    StringBuilder out = new StringBuilder("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title)).append("</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}blockquote{color:#7a4d00}</style>"
            + "</head><body>\n");
    boolean table = false;
    boolean list = false;
    boolean svg = false;
    for (String line : markdown.split("\n")) {
      if (line.startsWith("<svg")) {
        svg = true;
      }
      if (svg) {
        out.append(line).append('\n');
        svg = !line.startsWith("</svg>");
        continue;
      }
      if (table && !line.startsWith("|")) {
        out.append("</table>\n");
        table = false;
      }
      if (list && !line.startsWith("- ")) {
        out.append("</ul>\n");
        list = false;
      }
      if (line.startsWith("## ")) {
        out.append("<h2>").append(inline(line.substring(3))).append("</h2>\n");
      } else if (line.startsWith("# ")) {
        out.append("<h1>").append(inline(line.substring(2))).append("</h1>\n");
      } else if (line.startsWith("| --- ")) {
        continue;
      } else if (line.startsWith("|")) {
        String tag = table ? "td" : "th";
        out.append(table ? "" : "<table>\n").append("<tr>");
        table = true;
        String[] cells = line.substring(1, line.length() - 1).split("\\|");
        for (String cell : cells) {
          out.append('<').append(tag).append('>').append(inline(cell.trim())).append("</").append(tag).append('>');
        }
        out.append("</tr>\n");
      } else if (line.startsWith("> ")) {
        out.append("<blockquote>").append(inline(line.substring(2))).append("</blockquote>\n");
      } else if (line.startsWith("- ")) {
        out.append(list ? "" : "<ul>\n").append("<li>").append(inline(line.substring(2))).append("</li>\n");
        list = true;
      } else if (!line.isBlank()) {
        out.append("<p>").append(inline(line)).append("</p>\n");
      }
    }
    out.append(table ? "</table>\n" : "").append(list ? "</ul>\n" : "");
    return out.append("</body></html>\n").toString();
  }

  private static String inline(String text) {
    return escape(text).replaceAll("\\*\\*(.+?)\\*\\*", "<strong>$1</strong>");
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}

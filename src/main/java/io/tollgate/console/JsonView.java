package io.tollgate.console;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders an API answer as HTML as it is: objects as definition lists, lists of objects as tables. A
 * {@code *_micros} field beside a {@code bucket} (or inside a field named for a bucket), and a number in a field named
 * for a bucket, is shown as money in that bucket's currency; a {@code *_at_ms} field as a time in the account's zone;
 * everything else is escaped text.
 */
final class JsonView {
  private final ZoneId zone;

  JsonView(ZoneId zone) {
    this.zone = zone;
  }

  String render(Object value, String bucket) {
    if (value instanceof JsonObject object) {
      return object(object, bucket);
    }
    if (value instanceof JsonArray array) {
      return array(array, bucket);
    }
    return Html.e(value);
  }

  private String object(JsonObject object, String outerBucket) {
    String bucket = object.getValue("bucket") instanceof String b && isBucket(b) ? b : outerBucket;
    StringBuilder out = new StringBuilder("<dl class=\"facts\">");
    for (Map.Entry<String, Object> field : object) {
      // a field named for a bucket ({"RMB": 1200}, {"CREDIT": {"max_micros": ...}}) holds that bucket's amounts
      String fieldBucket = isBucket(field.getKey()) ? field.getKey() : bucket;
      out.append("<dt>").append(Html.e(field.getKey().replace('_', ' '))).append("</dt><dd>")
          .append(cell(field.getKey(), field.getValue(), fieldBucket)).append("</dd>");
    }
    return out.append("</dl>").toString();
  }

  private String array(JsonArray array, String bucket) {
    if (array.isEmpty()) {
      return "<span class=\"empty\">none</span>";
    }
    if (!(array.getValue(0) instanceof JsonObject)) {
      List<String> items = new ArrayList<>();
      array.forEach(v -> items.add(render(v, bucket)));
      return String.join(", ", items);
    }
    Set<String> columns = new LinkedHashSet<>();
    array.forEach(v -> {
      if (v instanceof JsonObject o) {
        columns.addAll(o.fieldNames());
      }
    });
    List<List<String>> rows = new ArrayList<>();
    for (Object v : array) {
      if (v instanceof JsonObject o) {
        String rowBucket = o.getValue("bucket") instanceof String b && isBucket(b) ? b : bucket;
        List<String> row = new ArrayList<>();
        columns.forEach(c -> row.add(cell(c, o.getValue(c), rowBucket)));
        rows.add(row);
      }
    }
    return Html.table(columns.stream().map(JsonView::header).toList(), rows, "none");
  }

  /** A column's heading: its field's words, without the unit a cell no longer shows ({@code charged_micros}: "charged"). */
  static String header(String field) {
    String words = field.endsWith("_micros") ? field.substring(0, field.length() - "_micros".length())
        : field.endsWith("_at_ms") ? field.substring(0, field.length() - "_ms".length()) : field;
    return words.replace('_', ' ');
  }

  private String cell(String name, Object value, String bucket) {
    if (value == null) {
      return "—";
    }
    if ((name.endsWith("_micros") || isBucket(name)) && value instanceof Number n && bucket != null) {
      return Html.money(n.longValue(), bucket);
    }
    if (name.endsWith("_at_ms") && value instanceof Number n) {
      return Html.time(n.longValue(), zone);
    }
    return render(value, bucket);
  }

  private static boolean isBucket(String value) {
    return value.equals("CREDIT") || value.equals("RMB");
  }
}

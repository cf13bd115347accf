package io.tollgate.receipts;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Usage summed from receipts, grouped by any of day (in the configured time zone), key, model, route type and
 * bucket. Money is summed per bucket only, never across: the bucket is always part of a row's group.
 */
public final class UsageReport {
  /** What a report can group by. */
  public enum Dimension {
    DAY, KEY, PROJECT, MODEL, ROUTE_TYPE;

    String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Dimension parse(String text) {
      for (Dimension d : values()) {
        if (d.wireName().equals(text)) {
          return d;
        }
      }
      return null;
    }
  }

  /** One receipt, as much of it as a report reads. */
  public record Row(long createdAtMs, String projectId, String keyId, String model, String routeType, String bucket,
      boolean charged, long promptTokens, long completionTokens, long chargedMicros) {}

  /** The sums of one group. */
  public static final class Totals {
    long requests;
    long chargedRequests;
    long promptTokens;
    long completionTokens;
    long chargedMicros;

    Map<String, Object> view() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("requests", requests);
      out.put("charged_requests", chargedRequests);
      out.put("prompt_tokens", promptTokens);
      out.put("completion_tokens", completionTokens);
      out.put("charged_micros", chargedMicros);
      return out;
    }
  }

  private UsageReport() {}

  /** Parses a comma-separated {@code group_by}; null for a name it does not know. */
  public static Set<Dimension> dimensions(String groupBy) {
    Set<Dimension> out = EnumSet.noneOf(Dimension.class);
    if (groupBy == null || groupBy.isBlank()) {
      return out;
    }
    for (String name : groupBy.split(",")) {
      String trimmed = name.trim();
      if (trimmed.equals("bucket")) {
        continue; // always grouped by
      }
      Dimension d = Dimension.parse(trimmed);
      if (d == null) {
        return null;
      }
      out.add(d);
    }
    return out;
  }

  /** Sums rows into groups as they are read, so a report holds its groups in memory, never its receipts. */
  public static final class Groups implements java.util.function.Consumer<Row> {
    private final Set<Dimension> by;
    private final ZoneId zone;
    private final TreeMap<List<String>, Totals> groups = new TreeMap<>(UsageReport::compareKeys);

    public Groups(Set<Dimension> by, ZoneId zone) {
      this.by = by;
      this.zone = zone;
    }

    @Override
    public void accept(Row row) {
      List<String> key = new ArrayList<>();
      for (Dimension d : by) {
        key.add(switch (d) {
          case DAY -> LocalDate.ofInstant(Instant.ofEpochMilli(row.createdAtMs()), zone).toString();
          case KEY -> part(row.keyId());
          case PROJECT -> part(row.projectId());
          case MODEL -> part(row.model());
          case ROUTE_TYPE -> part(row.routeType());
        });
      }
      key.add(part(row.bucket()));
      Totals t = groups.computeIfAbsent(key, k -> new Totals());
      t.requests++;
      if (row.charged()) {
        t.chargedRequests++;
      }
      t.promptTokens = Math.addExact(t.promptTokens, row.promptTokens());
      t.completionTokens = Math.addExact(t.completionTokens, row.completionTokens());
      t.chargedMicros = Math.addExact(t.chargedMicros, row.chargedMicros());
    }

    /** The groups in the order of their keys; the bucket is the last part of every group. */
    public List<Map<String, Object>> rows() {
      List<Map<String, Object>> out = new ArrayList<>();
      groups.forEach((key, totals) -> {
        Map<String, Object> view = new LinkedHashMap<>();
        int i = 0;
        for (Dimension d : by) {
          view.put(d.wireName() + (d == Dimension.KEY || d == Dimension.PROJECT ? "_id" : ""), orNull(key.get(i++)));
        }
        view.put("bucket", orNull(key.get(i)));
        view.putAll(totals.view());
        out.add(view);
      });
      return out;
    }
  }

  /** A group's part as shown: a receipt without it (a request no leg served) leaves the field out. */
  private static String orNull(String part) {
    return NONE.equals(part) ? null : part;
  }

  /** How a missing part sorts in a group's key. */
  private static final String NONE = "\u0000none";

  private static String part(String value) {
    return value == null ? NONE : value;
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}

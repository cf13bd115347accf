package io.tollgate.receipts;

import io.tollgate.config.RouteType;
import io.tollgate.http.ApiException;
import io.vertx.core.MultiMap;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * What a receipt list is narrowed to: {@code key_id}, {@code model} (the requested one), {@code route_type},
 * {@code outcome}, and {@code from} to {@code to} (calendar days in the configured time zone, both included). Each
 * field is null when not asked for. Read from a query string, refusing a bad value with 400 naming its parameter.
 *
 * @param fromMs the first epoch millisecond kept (start of {@code from}); null for no lower bound
 * @param toMs the first epoch millisecond not kept (start of the day after {@code to}); null for no upper bound
 */
public record ReceiptFilter(String keyId, String model, String routeType, String outcome, Long fromMs, Long toMs) {
  /** Every outcome a receipt can have (see {@link Receipt}). */
  static final Set<String> OUTCOMES = Set.of("succeeded", "failed", "rejected", "client_disconnected", "interrupted",
      Receipt.IN_PROGRESS);
  public static final ReceiptFilter NONE = new ReceiptFilter(null, null, null, null, null, null);

  /** The filters in {@code params}; a blank value counts as absent (a form's empty field). */
  public static ReceiptFilter parse(MultiMap params, ZoneId zone) {
    String routeType = text(params, "route_type");
    if (routeType != null && RouteType.parse(routeType) == null) {
      throw ApiException.invalid("route_type", "invalid_value", "'route_type': " + routeType + " (expected: official or routed)");
    }
    String outcome = text(params, "outcome");
    if (outcome != null && !OUTCOMES.contains(outcome)) {
      throw ApiException.invalid("outcome", "invalid_value", "'outcome': " + outcome + " (expected: one of "
          + String.join(", ", OUTCOMES.stream().sorted().toList()) + ")");
    }
    LocalDate from = day(params, "from");
    LocalDate to = day(params, "to");
    if (from != null && to != null && to.isBefore(from)) {
      throw ApiException.invalid("to", "invalid_value", "'to': " + to + " (expected: on or after 'from' " + from + ")");
    }
    return new ReceiptFilter(text(params, "key_id"), text(params, "model"),
        routeType == null ? null : RouteType.parse(routeType).wireName(), outcome,
        from == null ? null : from.atStartOfDay(zone).toInstant().toEpochMilli(),
        to == null ? null : to.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli());
  }

  /** The SQL conditions (each starting with {@code AND}) and their parameters, in order, for {@link ReceiptSql#page}. */
  String where(List<Object> args) {
    StringBuilder sql = new StringBuilder();
    condition(sql, args, " AND key_id = ?", keyId);
    condition(sql, args, " AND model = ?", model);
    condition(sql, args, " AND route_type = ?", routeType);
    condition(sql, args, " AND outcome = ?", outcome);
    condition(sql, args, " AND created_at >= ?", fromMs);
    condition(sql, args, " AND created_at < ?", toMs);
    return sql.toString();
  }

  private static void condition(StringBuilder sql, List<Object> args, String clause, Object value) {
    if (value != null) {
      sql.append(clause);
      args.add(value);
    }
  }

  /** The trimmed value of {@code name}, null when absent or blank; refused (400) when it holds a control character. */
  static String text(MultiMap params, String name) {
    String value = params.get(name);
    return value == null || value.isBlank() ? null : printable(name, value.trim());
  }

  /**
   * {@code value} itself, refused with 400 naming {@code param} when it holds a control character (a NUL byte among
   * them, which PostgreSQL refuses in a text parameter): no identifier, model name or cursor holds one, so such a
   * value never reaches the SQL. The message does not echo the value.
   */
  static String printable(String param, String value) {
    if (value != null && value.chars().anyMatch(ch -> Character.isISOControl(ch))) {
      throw ApiException.invalid(param, "invalid_value", "'" + param + "' holds a control character (expected: printable text).");
    }
    return value;
  }

  private static LocalDate day(MultiMap params, String name) {
    String raw = text(params, name);
    if (raw == null) {
      return null;
    }
    LocalDate day;
    try {
      day = LocalDate.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(name, "invalid_value", "'" + name + "': " + raw + " (expected: a date YYYY-MM-DD)");
    }
    if (day.getYear() < 1970 || day.getYear() > 9999) {
      throw ApiException.invalid(name, "invalid_value", "'" + name + "': " + raw + " (expected: a date from 1970 to 9999)");
    }
    return day;
  }
}

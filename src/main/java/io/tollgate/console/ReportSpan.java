package io.tollgate.console;

import io.tollgate.receipts.ReceiptsHandler;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The days the usage page's report covers for its receipt filter's dates: {@code from} (the month's first day when
 * empty) to {@code to} (today when empty). The receipts are listed over any span, but {@code GET /v1/usage} covers
 * at most {@link ReceiptsHandler#MAX_REPORT_DAYS} days: a longer span is reported over its last days only, and a span
 * that ends before it starts (a {@code from} after today, without {@code to}) has no report. {@link #note} says so.
 *
 * @param from the report's first day; null when there is no report
 * @param to the report's last day; null when there is no report
 * @param note what the page says about a report that does not cover the whole span; empty when it does
 */
record ReportSpan(LocalDate from, LocalDate to, String note) {
  static ReportSpan of(String from, String to, LocalDate today) {
    LocalDate first;
    LocalDate last;
    try {
      first = from.isEmpty() ? today.withDayOfMonth(1) : LocalDate.parse(from);
      last = to.isEmpty() ? today : LocalDate.parse(to);
    } catch (DateTimeParseException e) {
      return new ReportSpan(null, null, "No usage report: the dates do not read as YYYY-MM-DD.");
    }
    if (last.isBefore(first)) {
      return new ReportSpan(null, null, "No usage report: the span starts on " + first + ", after its end " + last + ".");
    }
    if (ChronoUnit.DAYS.between(first, last) >= ReceiptsHandler.MAX_REPORT_DAYS) {
      LocalDate reported = last.minusDays(ReceiptsHandler.MAX_REPORT_DAYS - 1);
      return new ReportSpan(reported, last, "The usage report covers at most " + ReceiptsHandler.MAX_REPORT_DAYS
          + " days: it shows the last of the span, " + reported + " to " + last + "; the receipts above cover all of it.");
    }
    return new ReportSpan(first, last, "");
  }

  /** The report's {@code &from=...&to=...} query part; call only when {@link #reported()}. */
  String query() {
    return "&from=" + from + "&to=" + to;
  }

  boolean reported() {
    return from != null;
  }
}

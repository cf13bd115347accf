package io.tollgate.http;

import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failures a client's bytes caused (malformed HTTP, a connection reset): counted by kind and reported in at most
 * one line per {@link #INTERVAL_MS}, never a stack trace, so a client sending garbage in a loop cannot flood the
 * log. The first failure after a quiet interval is reported at once; the next line carries what came in between.
 */
final class ClientErrorLog {
  static final long INTERVAL_MS = 60_000;
  private static final Logger LOG = LoggerFactory.getLogger(ClientErrorLog.class);

  private final Clock clock;
  private final Consumer<String> sink;
  private final Map<String, Long> counts = new TreeMap<>();
  private long lastReportMs;
  private boolean reported;

  ClientErrorLog(Clock clock) {
    this(clock, line -> LOG.warn(line));
  }

  /** @param sink where report lines go (the log, or a test's list) */
  ClientErrorLog(Clock clock, Consumer<String> sink) {
    this.clock = clock;
    this.sink = sink;
  }

  /** Counts one failure of {@code kind} (a short name such as {@code invalid_chunked_body}). */
  void record(String kind) {
    String line;
    synchronized (this) {
      counts.merge(kind, 1L, Long::sum);
      long now = clock.millis();
      if (reported && now - lastReportMs < INTERVAL_MS) {
        return;
      }
      line = counts.toString();
      counts.clear();
      lastReportMs = now;
      reported = true;
    }
    sink.accept("client errors since the last report: " + line + " (one line a minute at most; each client got"
        + " an error answer or a closed connection)");
  }
}

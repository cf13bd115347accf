package io.tollgate.research;

import io.vertx.core.http.HttpClientRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One research run under way or ended: its results so far and its progress events, for the stream and the receipt.
 * Guarded by its own lock; listeners are called outside it.
 */
final class ResearchRun {
  final String id;
  final ResearchQuote quote;
  final long startedAtMs;
  private String status = "running";
  private long endedAtMs;
  private final List<SectionResult> results = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private final List<Consumer<String>> listeners = new ArrayList<>();
  private boolean cancelled;
  private HttpClientRequest inFlight;
  private String report;
  private String reportHtml;

  ResearchRun(String id, ResearchQuote quote, long startedAtMs) {
    this.id = id;
    this.quote = quote;
    this.startedAtMs = startedAtMs;
  }

  synchronized String status() {
    return status;
  }

  synchronized List<SectionResult> results() {
    return List.copyOf(results);
  }

  synchronized boolean cancelled() {
    return cancelled;
  }

  synchronized long endedAtMs() {
    return endedAtMs;
  }

  synchronized String report() {
    return report;
  }

  synchronized String reportHtml() {
    return reportHtml;
  }

  /** Marks the run cancelled and returns the call in flight, to reset (null when none). */
  synchronized HttpClientRequest cancel() {
    cancelled = true;
    return inFlight;
  }

  synchronized void inFlight(HttpClientRequest request) {
    inFlight = request;
  }

  void add(SectionResult result) {
    synchronized (this) {
      results.add(result);
      inFlight = null;
    }
  }

  void end(String finalStatus, long atMs, String markdown, String html) {
    synchronized (this) {
      status = finalStatus;
      endedAtMs = atMs;
      report = markdown;
      reportHtml = html;
    }
  }

  synchronized boolean ended() {
    return !status.equals("running");
  }

  /** Records a progress event (one JSON object) and hands it to every listener. */
  void emit(String event) {
    List<Consumer<String>> now;
    synchronized (this) {
      events.add(event);
      now = List.copyOf(listeners);
    }
    now.forEach(l -> l.accept(event));
  }

  /** Replays the events so far to {@code listener}, then keeps it for the next ones; returns whether the run ended. */
  synchronized List<String> listen(Consumer<String> listener) {
    listeners.add(listener);
    return List.copyOf(events);
  }

  synchronized void unlisten(Consumer<String> listener) {
    listeners.remove(listener);
  }
}

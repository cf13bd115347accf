package io.tollgate.metrics;

import io.micrometer.core.instrument.Clock;

/**
 * The time one proxied request spent waiting on upstreams, over all its attempts: from sending an attempt to
 * the end of its answer (the last byte of a body, the end of a stream, or the failure). What is left of the
 * request's time is what the gateway added. Used on the request's own event loop only.
 */
public final class UpstreamTime {
  private final Clock clock;
  private final String endpoint;
  private final boolean accounted;
  private long spentNanos;
  private long openedAt = -1;
  private boolean called;
  private boolean stream;

  UpstreamTime(Clock clock, String endpoint, boolean accounted) {
    this.clock = clock;
    this.endpoint = endpoint;
    this.accounted = accounted;
  }

  /** An attempt is sent upstream now. */
  public void started(boolean streamed) {
    ended();
    called = true;
    stream = streamed;
    openedAt = clock.monotonicTime();
  }

  /** The open attempt's answer is over; calling it again, or with no attempt open, changes nothing. */
  public void ended() {
    if (openedAt >= 0) {
      spentNanos += clock.monotonicTime() - openedAt;
      openedAt = -1;
    }
  }

  String endpoint() {
    return endpoint;
  }

  boolean accounted() {
    return accounted;
  }

  boolean called() {
    return called;
  }

  boolean stream() {
    return stream;
  }

  long spentNanos() {
    return spentNanos;
  }
}

package io.tollgate.proxy;

/**
 * The client closed its connection while an attempt was under way, and the attempt was cancelled.
 * {@code reachedUpstream} says whether the request had been sent to the upstream by then: only then did the
 * upstream read (and bill) the prompt.
 */
final class ClientLeft extends RuntimeException {
  private final boolean reachedUpstream;

  ClientLeft(boolean reachedUpstream) {
    super("the client closed the connection", null, false, false);
    this.reachedUpstream = reachedUpstream;
  }

  boolean reachedUpstream() {
    return reachedUpstream;
  }
}

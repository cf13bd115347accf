package io.tollgate.config;

/**
 * How long a client may take to send a request, and how many connections it may hold: what keeps slow or
 * silent clients from holding every connection. Read at start-up; docs/operations.md says what a client sees
 * when each fires.
 *
 * @param headerTimeoutMs the whole request head must arrive within this of its first byte (of the connection's
 *     start, for the first request)
 * @param bodyTimeoutMs the whole body must arrive within this of the end of the head
 * @param idleTimeoutMs a kept-alive connection with no request in progress is closed after this
 * @param maxConnections open connections in total; a new one over the cap is answered 503 and closed
 * @param maxConnectionsPerAddress open connections from one client address; over it, 429 and closed
 */
public record ServerLimits(long headerTimeoutMs, long bodyTimeoutMs, long idleTimeoutMs, int maxConnections,
    int maxConnectionsPerAddress) {
  public static final ServerLimits DEFAULTS = new ServerLimits(10_000, 30_000, 75_000, 10_000, 1_000);
}

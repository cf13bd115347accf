package io.tollgate.http;

import io.tollgate.config.ServerLimits;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every server instance shares about client connections: the limits they started with, how many
 * connections are open in all and from each address, and the log of client errors. Thread-safe.
 */
public final class Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
  /** File descriptors kept for the store, upstream connections and the JVM when comparing with the cap. */
  private static final long RESERVED_DESCRIPTORS = 256;

  enum Admission { ADMITTED, OVER_ADDRESS_CAP, OVER_TOTAL_CAP }

  private final ServerLimits limits;
  private final ClientErrorLog errors;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> openByAddress = new ConcurrentHashMap<>();

  private Connections(ServerLimits limits, Clock clock) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.errors = new ClientErrorLog(clock);
  }

  /** Connections under {@code limits}; warns when the process may run out of file descriptors before the cap. */
  public static Connections create(ServerLimits limits, Clock clock) {
    warnAboveDescriptorLimit(limits.maxConnections());
    return new Connections(limits, clock);
  }

  public ServerLimits limits() {
    return limits;
  }

  ClientErrorLog errors() {
    return errors;
  }

  /** Counts a new connection from {@code address} in, unless a cap is reached; then nothing is counted. */
  Admission admit(InetAddress address) {
    boolean[] overAddressCap = {false};
    openByAddress.compute(address, (a, n) -> {
      int count = n == null ? 0 : n;
      if (count >= limits.maxConnectionsPerAddress()) {
        overAddressCap[0] = true;
        return n;
      }
      return count + 1;
    });
    if (overAddressCap[0]) {
      return Admission.OVER_ADDRESS_CAP;
    }
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      forget(address);
      return Admission.OVER_TOTAL_CAP;
    }
    return Admission.ADMITTED;
  }

  /** Counts out a connection {@link #admit} counted in. */
  void release(InetAddress address) {
    open.decrementAndGet();
    forget(address);
  }

  private void forget(InetAddress address) {
    openByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  private static void warnAboveDescriptorLimit(int maxConnections) {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long descriptors = unix.getMaxFileDescriptorCount();
      if (maxConnections > descriptors - RESERVED_DESCRIPTORS) {
        LOG.warn("server.max_connections is {} but this process may open only {} files (ulimit -n): new clients"
            + " will be refused by the system before the cap; raise the limit or lower max_connections", maxConnections, descriptors);
      }
    }
  }
}

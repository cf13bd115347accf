package io.tollgate.app;

import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigHolder;
import io.tollgate.metrics.GatewayMetrics;
import io.tollgate.store.Settings;
import io.tollgate.store.Store;
import io.tollgate.store.StoreAccess;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration reload asked of one gateway process (the admin API, SIGHUP), passed on to every process sharing
 * its PostgreSQL store. The process that was asked and accepted its file adds one to the generation in the shared
 * {@code settings} table; every process reads the generation on its one-second tick and, when it moved, reloads its
 * own configuration file. A file a process rejects is logged there (with the file and the line) and counted in its
 * {@code tollgate.config.cluster.reloads} meter, and that process serves on with its previous configuration.
 */
final class ClusterReload {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterReload.class);
  static final String SETTING = "config_generation";

  private final Store store;
  private final StoreAccess access;
  private final ConfigHolder config;
  private final GatewayMetrics metrics;
  /** The newest generation this process has reloaded for (or announced itself). */
  private final AtomicLong seen;
  /** The generation this process is writing, until its transaction ends (0: none); its own tick skips it meanwhile. */
  private final AtomicLong announcing = new AtomicLong();

  private ClusterReload(Store store, StoreAccess access, ConfigHolder config, GatewayMetrics metrics, long seen) {
    this.store = store;
    this.access = access;
    this.config = config;
    this.metrics = metrics;
    this.seen = new AtomicLong(seen);
  }

  /** Starts following the generation as it is now; at start-up, off any event loop. */
  static ClusterReload start(Store store, StoreAccess access, ConfigHolder config, GatewayMetrics metrics) {
    ClusterReload reload = new ClusterReload(store, access, config, metrics, store.readAsIs(ClusterReload::generation));
    config.afterAskedReload(c -> reload.announce());
    return reload;
  }

  /** Reloads this process's file when another process announced a reload since the last look; on a worker. */
  void poll() {
    long generation = store.readAsIs(ClusterReload::generation);
    long before = seen.get();
    if (generation <= before || generation == announcing.get() || !seen.compareAndSet(before, generation)) {
      return;
    }
    try {
      config.follow();
      metrics.clusterReload(true);
      LOG.info("configuration reloaded: another gateway process sharing the store was asked to (generation {})",
          generation);
    } catch (ConfigException e) {
      // ConfigHolder logged the file and the line; the previous configuration keeps serving here
      metrics.clusterReload(false);
    }
  }

  /**
   * After an accepted reload asked of this process: the next generation, for the others to follow. {@code seen} rises
   * only once the transaction committed: a failed commit leaves the generation in the database where it was, and this
   * process must still follow the next process that announces it. Until the transaction ends, this process's own tick
   * skips the generation being written (without raising {@code seen}), so it never takes its announcement for another's.
   */
  private void announce() {
    access.write(c -> {
      long next = generation(c) + 1;
      Settings.put(c, SETTING, Long.toString(next));
      announcing.set(next);
      return next;
    }).onComplete(r -> {
      if (r.succeeded()) {
        seen.accumulateAndGet(r.result(), Math::max);
      } else {
        LOG.warn("the reload was not passed on to the other gateway processes (reload each): {}",
            r.cause().getMessage());
      }
      announcing.set(0);
    });
  }

  private static long generation(Connection c) throws SQLException {
    return Settings.get(c, SETTING).map(Long::parseLong).orElse(0L);
  }
}

package io.tollgate.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration currently serving. A reload parses and validates the whole new file first and swaps it in
 * atomically only when it is good, so a bad file is rejected and the old configuration keeps serving.
 */
public final class ConfigHolder {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigHolder.class);

  private final AtomicReference<GatewayConfig> current;
  private final ConfigLoader loader;
  private final CopyOnWriteArrayList<Consumer<GatewayConfig>> preparers = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<GatewayConfig>> followers = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<GatewayConfig>> askedReloads = new CopyOnWriteArrayList<>();

  public ConfigHolder(GatewayConfig initial, ConfigLoader loader) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    this.loader = Objects.requireNonNull(loader, "loader");
  }

  /**
   * Runs {@code preparer} on the current configuration now and on every new one before it is swapped in, so
   * whatever it records (a price version) exists before the first request sees the configuration.
   */
  public void beforeSwap(Consumer<GatewayConfig> preparer) {
    preparer.accept(current.get());
    preparers.add(preparer);
  }

  /**
   * Runs {@code follower} on the current configuration now and on every new one once it serves: for what only
   * follows the configuration (how the process logs) and cannot refuse it.
   */
  public void afterSwap(Consumer<GatewayConfig> follower) {
    follower.accept(current.get());
    followers.add(follower);
  }

  /**
   * Runs {@code listener} after each reload asked of this process ({@link #reload}: the admin API, SIGHUP) that was
   * accepted, not after one that follows another process ({@link #follow}): where a reload is passed on to the other
   * processes sharing the store.
   */
  public void afterAskedReload(Consumer<GatewayConfig> listener) {
    askedReloads.add(listener);
  }

  public GatewayConfig current() {
    return current.get();
  }

  /**
   * Reloads from the file the current configuration came from; throws {@link ConfigException} and keeps the old
   * one on error. A file that changes {@code time_zone} is refused: the zone changes only with a restart.
   */
  public GatewayConfig reload() {
    GatewayConfig fresh = load();
    askedReloads.forEach(l -> l.accept(fresh));
    return fresh;
  }

  /**
   * Reloads from this process's file because another process sharing the store was asked to reload: as
   * {@link #reload}, without passing it on again.
   */
  public GatewayConfig follow() {
    return load();
  }

  private synchronized GatewayConfig load() {
    GatewayConfig serving = current.get();
    Path source = serving.source();
    GatewayConfig fresh;
    try {
      if (source == null) {
        throw new ConfigException("this configuration is built in and has no file to reload from");
      }
      fresh = loader.load(source, serving);
      preparers.forEach(p -> p.accept(fresh));
    } catch (ConfigException e) {
      LOG.error("configuration reload rejected; the previous configuration keeps serving:\n{}", e.getMessage());
      throw e;
    }
    current.set(fresh);
    followers.forEach(f -> f.accept(fresh));
    LOG.info("configuration reloaded from {}: {} channels, {} models, {} routes", source, fresh.channels().size(),
        fresh.models().size(), fresh.routes().values().stream().mapToInt(java.util.Map::size).sum());
    return fresh;
  }
}

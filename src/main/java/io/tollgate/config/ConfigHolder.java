package io.tollgate.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The configuration currently serving. A reload parses and validates the whole new file first and swaps it in
 * atomically only when it is good, so a bad file is rejected and the old configuration keeps serving.
 */
public final class ConfigHolder {
  private final AtomicReference<GatewayConfig> current;
  private final ConfigLoader loader;
  private final CopyOnWriteArrayList<Consumer<GatewayConfig>> preparers = new CopyOnWriteArrayList<>();

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

  public GatewayConfig current() {
    return current.get();
  }

  /**
   * Reloads from the file the current configuration came from; throws {@link ConfigException} and keeps the old
   * one on error. A file that changes {@code time_zone} is refused: the zone changes only with a restart.
   */
  public synchronized GatewayConfig reload() {
    GatewayConfig serving = current.get();
    Path source = serving.source();
    if (source == null) {
      throw new ConfigException("this configuration is built in and has no file to reload from");
    }
    GatewayConfig fresh = loader.load(source, serving);
    preparers.forEach(p -> p.accept(fresh));
    current.set(fresh);
    return fresh;
  }
}

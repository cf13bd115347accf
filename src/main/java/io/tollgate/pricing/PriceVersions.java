package io.tollgate.pricing;

import io.tollgate.auth.Secrets;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Price;
import io.tollgate.config.Route;
import io.tollgate.config.RouteType;
import io.tollgate.store.Store;
import java.lang.ref.WeakReference;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Numbers price tables. Every distinct set of prices and multipliers gets a version, recorded once with the
 * prices it stands for, so a receipt's {@code price_version} names exactly the table its cost came from.
 */
public final class PriceVersions {
  private final Store store;
  /** Digest of a price table to its version; never evicted, as it grows only with distinct price tables. */
  private final ConcurrentHashMap<String, Long> ids = new ConcurrentHashMap<>();
  /**
   * Versions by configuration instance (identity hash to entries), each configuration held weakly: an entry lives
   * as long as anything, a request in flight included, still holds its configuration, and no longer. Guarded by
   * itself.
   */
  private final Map<Integer, List<Registered>> byConfig = new HashMap<>();

  private record Registered(WeakReference<GatewayConfig> config, long id) {}

  public PriceVersions(Store store) {
    this.store = store;
  }

  /** The version of {@code config}'s prices, recording a new one when they changed. Blocking: start-up and reload only. */
  public long register(GatewayConfig config, long nowMs) {
    String table = table(config);
    String digest = HexFormat.of().formatHex(Secrets.sha256(table));
    Long known = ids.get(digest);
    if (known != null) {
      remember(config, known);
      return known;
    }
    long id = store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT INTO price_versions (digest, prices, created_at) VALUES (?, ?, ?) ON CONFLICT (digest) DO NOTHING")) {
        s.setString(1, digest);
        s.setString(2, table);
        s.setLong(3, nowMs);
        s.executeUpdate();
      }
      try (PreparedStatement s = c.prepareStatement("SELECT id FROM price_versions WHERE digest = ?")) {
        s.setString(1, digest);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
    ids.put(digest, id);
    remember(config, id);
    return id;
  }

  /**
   * The version registered for this exact configuration instance; never blocks. It resolves for as long as the
   * caller holds the configuration, however many reloads came after it.
   */
  public long of(GatewayConfig config) {
    synchronized (byConfig) {
      for (Registered r : byConfig.getOrDefault(System.identityHashCode(config), List.of())) {
        if (r.config().get() == config) {
          return r.id();
        }
      }
    }
    throw new IllegalStateException("prices of this configuration were never registered");
  }

  private void remember(GatewayConfig config, long id) {
    synchronized (byConfig) {
      // forget configurations nobody holds any more; reloads are rare, so this sweep is cheap
      byConfig.values().forEach(entries -> entries.removeIf(r -> r.config().get() == null));
      byConfig.values().removeIf(List::isEmpty);
      List<Registered> entries = byConfig.computeIfAbsent(System.identityHashCode(config), k -> new ArrayList<>());
      if (entries.stream().noneMatch(r -> r.config().get() == config)) {
        entries.add(new Registered(new WeakReference<>(config), id));
      }
    }
  }

  /** A canonical text of every price that can be charged, independent of YAML formatting. */
  static String table(GatewayConfig config) {
    Map<String, String> lines = new TreeMap<>();
    lines.put("multiplier", Long.toString(config.multipliers().globalPpm()));
    for (RouteType type : RouteType.values()) {
      lines.put("multiplier." + type.wireName(), Long.toString(config.multipliers().forRouteType(type)));
    }
    for (CatalogModel model : config.models().values()) {
      model.prices().forEach((type, price) -> lines.put("model." + model.id() + "." + type.wireName(), text(price)));
    }
    config.routes().forEach((model, byType) -> byType.forEach((type, route) -> {
      for (int i = 0; i < route.legs().size(); i++) {
        Leg leg = route.legs().get(i);
        lines.put("route." + model + "." + type.wireName() + "." + Route.legLabel(i),
            leg.channelId() + "/" + leg.upstreamModel() + " " + leg.bucket() + " " + text(leg.price()));
      }
    }));
    StringBuilder out = new StringBuilder();
    lines.forEach((k, v) -> out.append(k).append(' ').append(v).append('\n'));
    return out.toString();
  }

  private static String text(Price price) {
    return price.inputMicrosPerMTok() + "/" + price.outputMicrosPerMTok() + "/" + price.cachedInputMicrosPerMTok() + "/"
        + price.cacheWriteMicrosPerMTok();
  }
}

package io.tollgate.config;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * One validated, immutable configuration. A reload builds a new instance and swaps it in whole.
 *
 * @param source the file it came from (null for a built-in configuration)
 * @param serverLimits client timeouts and connection caps, applied when the server starts
 * @param routes per catalog model id, its routes by route type
 * @param limits route and channel limits, operator-wide or per account
 * @param logging how the process logs (format, level, access log)
 * @param storeSync how far each commit of the store is durable
 * @param research the AI Researcher's data source and modes ({@link ResearchConfig#DISABLED} when not configured)
 * @param store which engine keeps the journal and the tenants (read at start-up; see {@link StoreConfig})
 * @param redis the shared counters of a cluster; null when this process keeps them alone
 */
public record GatewayConfig(
    Path source,
    int port,
    long maxBodyBytes,
    ServerLimits serverLimits,
    ZoneId timeZone,
    Multipliers multipliers,
    Map<String, Channel> channels,
    Map<String, CatalogModel> models,
    Map<String, Map<RouteType, Route>> routes,
    List<ConfiguredLimit> limits,
    Redactor redactor,
    AlertsConfig alerts,
    LoggingConfig logging,
    StoreSync storeSync,
    ResearchConfig research,
    StoreConfig store,
    RedisConfig redis) {

  public CatalogModel model(String id) {
    return models.get(id);
  }

  /** The route serving {@code modelId} for {@code type}, or null when there is none. */
  public Route route(String modelId, RouteType type) {
    Map<RouteType, Route> byType = routes.get(modelId);
    return byType == null ? null : byType.get(type);
  }

  /** Route types that serve {@code modelId}, in declaration order. */
  public List<RouteType> routeTypes(String modelId) {
    Map<RouteType, Route> byType = routes.get(modelId);
    return byType == null ? List.of() : List.copyOf(byType.keySet());
  }

  public Channel channel(String id) {
    return channels.get(id);
  }
}

package io.tollgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads the {@code research:} section; part of {@link ConfigLoader}, whose rules (and key lists) it follows. */
final class ResearchConfigs {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,31}");

  private ResearchConfigs() {}

  static ResearchConfig parse(Node node, Map<String, CatalogModel> models, Map<String, Map<RouteType, Route>> routes,
      Path configDir) {
    if (node.isMissing()) {
      return ResearchConfig.DISABLED;
    }
    node.onlyKeys(Set.of("data", "quote_ttl_s", "modes"));
    MarketDataConfig data = data(node.child("data"), configDir);
    Duration quoteTtl = Duration.ofSeconds(node.integer("quote_ttl_s", 10, 86_400, 600));
    Node modesNode = node.child("modes");
    if (modesNode.isMissing() || modesNode.entries().isEmpty()) {
      throw node.error("research needs at least one mode", "add 'modes:' with a mode such as 'quick:'");
    }
    Map<String, ResearchMode> modes = new LinkedHashMap<>();
    for (Map.Entry<String, Node> e : modesNode.entries().entrySet()) {
      if (!NAME.matcher(e.getKey()).matches()) {
        throw e.getValue().error("mode name '" + e.getKey() + "' is not valid", "use lower-case letters, digits, _ and - (at most 32)");
      }
      modes.put(e.getKey(), mode(e.getKey(), e.getValue(), models, routes));
    }
    return new ResearchConfig(data, quoteTtl, modes);
  }

  private static MarketDataConfig data(Node node, Path configDir) {
    if (node.isMissing()) {
      return MarketDataConfig.SAMPLE;
    }
    node.onlyKeys(Set.of("source", "csv", "http", "cache_ttl_s"));
    String source = node.text("source", "sample").toLowerCase(Locale.ROOT);
    Duration ttl = Duration.ofSeconds(node.integer("cache_ttl_s", 0, 7 * 86_400, MarketDataConfig.SAMPLE.cacheTtl().toSeconds()));
    Path directory = null;
    Node csv = node.child("csv");
    if (!csv.isMissing()) {
      csv.onlyKeys(Set.of("directory"));
      Path dir = Path.of(csv.text("directory"));
      // a relative directory is read beside the configuration file, not wherever the gateway was started
      directory = (dir.isAbsolute() || configDir == null ? dir : configDir.resolve(dir)).normalize();
    }
    String baseUrl = null;
    long timeoutMs = MarketDataConfig.SAMPLE.timeoutMs();
    Node http = node.child("http");
    if (!http.isMissing()) {
      http.onlyKeys(Set.of("base_url", "timeout_ms"));
      baseUrl = http.text("base_url");
      if (!(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
        throw http.child("base_url").error("'" + baseUrl + "' is not an http(s) URL", "write it like https://bars.example.com");
      }
      timeoutMs = http.integer("timeout_ms", 100, 600_000, timeoutMs);
    }
    switch (source) {
      case "sample" -> { }
      case "csv" -> {
        if (directory == null) {
          throw node.error("source csv needs 'csv: {directory: ...}'", "add the directory that holds SYMBOL.csv files");
        }
      }
      case "http" -> {
        if (baseUrl == null) {
          throw node.error("source http needs 'http: {base_url: ...}'", "add the base URL of the daily-bars service");
        }
      }
      default -> throw node.child("source").error("unknown source '" + source + "'",
          "use sample (the bundled synthetic set), csv (with csv.directory) or http (with http.base_url)");
    }
    return new MarketDataConfig(source, directory, baseUrl, timeoutMs, ttl);
  }

  private static ResearchMode mode(String name, Node node, Map<String, CatalogModel> models,
      Map<String, Map<RouteType, Route>> routes) {
    node.onlyKeys(Set.of("window_days", "sections"));
    int window = (int) node.integer("window_days", 30, 5_000, 400);
    List<Node> items = node.list("sections");
    if (items.isEmpty()) {
      throw node.error("mode '" + name + "' has no sections", "add 'sections:' with at least one section");
    }
    List<ResearchSection> sections = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (Node item : items) {
      ResearchSection section = section(item, models, routes, ids);
      ids.add(section.id());
      sections.add(section);
    }
    return new ResearchMode(name, window, sections);
  }

  private static ResearchSection section(Node node, Map<String, CatalogModel> models,
      Map<String, Map<RouteType, Route>> routes, Set<String> earlier) {
    node.onlyKeys(Set.of("id", "title", "model", "route_type", "max_tokens", "instructions", "reads"));
    String id = node.text("id");
    if (!NAME.matcher(id).matches()) {
      throw node.child("id").error("section id '" + id + "' is not valid", "use lower-case letters, digits, _ and - (at most 32)");
    }
    if (earlier.contains(id)) {
      throw node.child("id").error("section id '" + id + "' is used twice in this mode", "give each section its own id");
    }
    String modelId = node.text("model");
    CatalogModel model = models.get(modelId);
    if (model == null || model.embeddings()) {
      throw node.child("model").error("'" + modelId + "' is not a chat model of the catalog",
          "use one of " + models.values().stream().filter(m -> !m.embeddings()).map(CatalogModel::id).toList());
    }
    RouteType type = null;
    if (node.has("route_type")) {
      String written = node.text("route_type");
      type = RouteType.parse(written);
      if (type == null || !routes.getOrDefault(modelId, Map.of()).containsKey(type)) {
        throw node.child("route_type").error("'" + modelId + "' has no " + written + " route",
            "use one of " + routes.getOrDefault(modelId, Map.of()).keySet().stream().map(RouteType::wireName).toList()
                + ", or leave route_type out for the key's preference");
      }
    }
    long maxTokens = node.integer("max_tokens", 1, model.maxOutputTokens(), Math.min(800, model.maxOutputTokens()));
    List<String> reads = new ArrayList<>();
    for (Node r : node.list("reads")) {
      String read = r.json().asText();
      if (!earlier.contains(read)) {
        throw r.error("section '" + id + "' reads '" + read + "', which is not an earlier section of this mode",
            "list only ids of sections above it");
      }
      reads.add(read);
    }
    return new ResearchSection(id, node.text("title", id), modelId, type, maxTokens,
        node.text("instructions", "Write the " + id + " section."), reads);
  }
}

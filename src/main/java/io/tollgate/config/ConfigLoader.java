package io.tollgate.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates the YAML configuration. Every rule is checked here, once; a problem stops the load
 * with a {@link ConfigException} that names the file, the line and the fix, so a bad file never serves.
 */
public final class ConfigLoader {
  /**
   * Every channel's credential, and the static headers whose name says they carry one (key, token, secret, auth):
   * what the gateway sends upstream as a secret.
   */
  private static Redactor redactor(Map<String, Channel> channels) {
    java.util.List<String> secrets = new java.util.ArrayList<>();
    for (Channel channel : channels.values()) {
      secrets.add(channel.credential());
      channel.headers().forEach((name, value) -> {
        if (SECRET_HEADER.matcher(name).find()) {
          secrets.add(value);
        }
      });
    }
    return Redactor.of(secrets);
  }

  private static final java.util.regex.Pattern SECRET_HEADER =
      java.util.regex.Pattern.compile("(?i)key|token|secret|auth|password|cookie");

  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}");
  private static final long MAX_PRICE_MICROS = 1_000_000_000_000L;

  private final Function<String, String> environment;

  /** @param environment resolves {@code ${NAME}} references; usually {@code System::getenv} */
  public ConfigLoader(Function<String, String> environment) {
    this.environment = environment;
  }

  public GatewayConfig load(Path file) {
    return load(file, null);
  }

  /**
   * Loads {@code file} to replace {@code serving} (null at start-up). Besides every rule of a first load, a
   * replacement may not change {@code time_zone}: day and month limit windows are counted in it.
   */
  GatewayConfig load(Path file, GatewayConfig serving) {
    return parse(read(file), file.toString(), file, serving);
  }

  /**
   * The catalog model ids of {@code file}, its {@code models:} read and checked as a load checks them, without the
   * rest of the file and without its environment variables: for commands that need only the catalog (a key's
   * allowed models), where the channels' credentials are not at hand.
   */
  public static Set<String> catalogModelIds(Path file) {
    Node root = root(read(file), file.toString());
    return java.util.Collections.unmodifiableSet(models(root).keySet());
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": file not found\n  fix: check the path (serve takes it with --config, config check as its argument), or run 'tollgate init' to write one");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
  }

  /** Parses {@code yaml}; {@code name} is what error messages call the document. */
  public GatewayConfig parse(String yaml, String name, Path source) {
    return parse(yaml, name, source, null);
  }

  /**
   * Only the {@code store:} section of {@code file}: which store {@code serve} opens, read before the rest of the file
   * is validated, so that a store another process owns is refused as such whatever else the file says.
   */
  public StoreConfig storeOf(Path file) {
    return store(root(read(file), file.toString()).child("store"));
  }

  private GatewayConfig parse(String yaml, String name, Path source, GatewayConfig serving) {
    Node root = root(yaml, name);

    Node server = root.child("server");
    int port = 8080;
    long maxBody = 4L * 1024 * 1024;
    ServerLimits serverLimits = ServerLimits.DEFAULTS;
    if (!server.isMissing()) {
      server.onlyKeys(Set.of("port", "max_body_bytes", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms",
          "max_connections", "max_connections_per_address"));
      port = (int) server.integer("port", 0, 65_535, port);
      maxBody = server.integer("max_body_bytes", 1024, 256L * 1024 * 1024, maxBody);
      serverLimits = serverLimits(server);
    }
    ZoneId zone = zone(root);
    if (serving != null) {
      sameZone(root, zone, serving.timeZone());
    }
    Multipliers multipliers = multipliers(root.child("pricing"));
    Map<String, Channel> channels = channels(root);
    Map<String, CatalogModel> models = models(root);
    Map<String, Map<RouteType, Route>> routes = routes(root, channels, models);
    for (CatalogModel model : models.values()) {
      if (!routes.containsKey(model.id())) {
        throw root.child("models").error("catalog model '" + model.id() + "' has no route",
            "add an entry under routes: with 'model: " + model.id() + "', or remove the model");
      }
    }
    List<ConfiguredLimit> limits = limits(root, channels, routes);
    return new GatewayConfig(source, port, maxBody, serverLimits, zone, multipliers, channels, models, routes, limits,
        redactor(channels), alerts(root.child("alerts")), logging(root.child("logging")), storeSync(root.child("store")),
        ResearchConfigs.parse(root.child("research"), models, routes, source == null ? null : source.toAbsolutePath().getParent()),
        store(root.child("store")),
        RedisConfig.parse(root.child("redis"), this::resolve));
  }

  /** {@code store: {kind, url, user, password, pool_size, node}}: the engine; see {@link StoreConfig}. */
  private StoreConfig store(Node node) {
    if (node.isMissing()) {
      return StoreConfig.SQLITE;
    }
    String kind = node.text("kind", "sqlite").toLowerCase(Locale.ROOT);
    if (kind.equals("sqlite")) {
      for (String field : List.of("url", "user", "password", "pool_size", "node")) {
        if (node.has(field)) {
          throw node.child(field).error("'" + field + "' is for kind: postgres", "remove it, or set kind: postgres");
        }
      }
      return StoreConfig.SQLITE;
    }
    if (!kind.equals("postgres")) {
      throw node.child("kind").error("unknown store kind '" + kind + "'",
          "use sqlite (one process, a file in the data directory) or postgres (several processes on one database)");
    }
    if (!node.has("url")) {
      throw node.error("kind: postgres needs a url", "add url: jdbc:postgresql://127.0.0.1:5432/tollgate");
    }
    String url = resolve(node.child("url"), node.text("url"));
    if (!url.startsWith("jdbc:postgresql://")) {
      throw node.child("url").error("'" + node.text("url") + "' is not a PostgreSQL JDBC URL",
          "write it like jdbc:postgresql://127.0.0.1:5432/tollgate");
    }
    String password = node.has("password") ? secret(node.child("password"), "the password") : null;
    String user = node.has("user") ? resolve(node.child("user"), node.text("user")) : null;
    int poolSize = (int) node.integer("pool_size", 1, 100, 4);
    String nodeName = node.has("node") ? resolve(node.child("node"), node.text("node")) : null;
    if (nodeName != null && (nodeName.isBlank() || nodeName.length() > 100)) {
      throw node.child("node").error("node: '" + nodeName + "' (expected: 1 to 100 characters)",
          "name this gateway process, uniquely among those sharing the database (e.g. gw-1)");
    }
    return new StoreConfig(kind, url, user, password, poolSize, nodeName);
  }

  /** {@code store: {sync: normal | full}}: how far a commit of the journal is durable. */
  private static StoreSync storeSync(Node node) {
    if (node.isMissing()) {
      return StoreSync.NORMAL;
    }
    node.onlyKeys(Set.of("sync", "kind", "url", "user", "password", "pool_size", "node"));
    String name = node.text("sync", "normal").toLowerCase(Locale.ROOT);
    return switch (name) {
      case "normal" -> StoreSync.NORMAL;
      case "full" -> StoreSync.FULL;
      default -> throw node.child("sync").error("unknown sync '" + name + "'",
          "use normal (every commit survives a crash of the process) or full (every commit also survives power loss)");
    };
  }

  /** {@code alerts: {webhook_url, thresholds}}: budget alerts (see {@link AlertsConfig}). */
  private AlertsConfig alerts(Node node) {
    if (node.isMissing()) {
      return AlertsConfig.DEFAULTS;
    }
    node.onlyKeys(Set.of("webhook_url", "thresholds"));
    URI webhook = null;
    if (node.has("webhook_url")) {
      String written = node.text("webhook_url");
      String url = resolve(node.child("webhook_url"), written);
      try {
        webhook = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw node.child("webhook_url").error("not a valid URL: " + written, null);
      }
      if (webhook.getScheme() == null || !(webhook.getScheme().equals("http") || webhook.getScheme().equals("https"))
          || webhook.getHost() == null) {
        throw node.child("webhook_url").error("'" + written + "' is not an http(s) URL", "write it like https://hooks.example.com/tollgate");
      }
    }
    List<Integer> thresholds = new ArrayList<>();
    for (Node item : node.list("thresholds")) {
      if (!item.json().canConvertToInt() || !item.json().isIntegralNumber() || item.json().asInt() < 1 || item.json().asInt() > 100
          || (!thresholds.isEmpty() && item.json().asInt() <= thresholds.get(thresholds.size() - 1))) {
        throw item.error("threshold " + item.json() + " (expected: whole percentages from 1 to 100, increasing)",
            "write them like [50, 80, 100]");
      }
      thresholds.add(item.json().asInt());
    }
    // thresholds left out: the defaults; thresholds: [] turns threshold alerts off (refusal alerts remain)
    return new AlertsConfig(webhook, node.has("thresholds") ? List.copyOf(thresholds) : AlertsConfig.DEFAULTS.thresholdsPercent());
  }

  private static LoggingConfig logging(Node node) {
    if (node.isMissing()) {
      return LoggingConfig.DEFAULTS;
    }
    node.onlyKeys(Set.of("format", "level", "access_log"));
    String formatName = node.text("format", "text").toLowerCase(Locale.ROOT);
    LoggingConfig.Format format = switch (formatName) {
      case "text" -> LoggingConfig.Format.TEXT;
      case "json" -> LoggingConfig.Format.JSON;
      default -> throw node.child("format").error("unknown format '" + formatName + "'",
          "use text (readable lines) or json (one JSON object per line)");
    };
    String level = node.text("level", "info").toLowerCase(Locale.ROOT);
    if (!LoggingConfig.LEVELS.contains(level)) {
      throw node.child("level").error("unknown level '" + level + "'", "use trace, debug, info, warn, error or off");
    }
    return new LoggingConfig(format, level, node.bool("access_log", true));
  }

  /** The document's root, once it is YAML, not empty, and holds only known sections. */
  /**
   * The line a YAML error is on, 1-based: SnakeYAML's problem mark where there is one (the location Jackson reports for
   * a scanner error is a line early), else Jackson's.
   */
  private static int yamlErrorLine(JsonProcessingException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblemMark() != null) {
        return marked.getProblemMark().getLine() + 1;
      }
    }
    return e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
  }

  private static Node root(String yaml, String name) {
    JsonNode tree;
    YamlLines lines;
    try {
      JsonMapper mapper = JsonMapper.builder(new YAMLFactory())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();
      tree = mapper.readTree(yaml);
      lines = YamlLines.of(yaml);
    } catch (JsonProcessingException e) {
      int line = yamlErrorLine(e);
      throw new ConfigException(name + ":" + line + ": not valid YAML: " + e.getOriginalMessage()
          + "\n  fix: check the indentation and the ':' after each key on that line");
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot be read: " + e.getMessage());
    }
    Node root = new Node(tree, "", name, lines);
    if (root.isMissing()) {
      throw root.error("the file is empty", "start from the file that 'tollgate init' writes");
    }
    root.onlyKeys(Set.of("server", "time_zone", "pricing", "channels", "models", "routes", "limits", "alerts", "logging", "store", "research",
        "redis"));
    return root;
  }

  private static ServerLimits serverLimits(Node server) {
    ServerLimits d = ServerLimits.DEFAULTS;
    long hourMs = 3_600_000;
    long header = server.integer("header_timeout_ms", 100, hourMs, d.headerTimeoutMs());
    long body = server.integer("body_timeout_ms", 100, hourMs, d.bodyTimeoutMs());
    long idle = server.integer("idle_timeout_ms", 100, hourMs, d.idleTimeoutMs());
    int total = (int) server.integer("max_connections", 1, 1_000_000, d.maxConnections());
    int perAddress = (int) server.integer("max_connections_per_address", 1, 1_000_000, Math.min(d.maxConnectionsPerAddress(), total));
    if (perAddress > total) {
      throw server.child("max_connections_per_address").error(perAddress + " is above max_connections (" + total + ")",
          "write a number between 1 and " + total + "; behind a reverse proxy every client shares its address, so set it to max_connections");
    }
    return new ServerLimits(header, body, idle, total, perAddress);
  }

  private static ZoneId zone(Node root) {
    String name = root.text("time_zone", "UTC");
    try {
      return ZoneId.of(name);
    } catch (DateTimeException e) {
      throw root.child("time_zone").error("unknown time zone '" + name + "'", "use an IANA name such as Asia/Shanghai or UTC");
    }
  }

  /**
   * A reload keeps the time zone: day and month counters are keyed by the calendar date in that zone, so moving
   * the zone under live counters would open a fresh window beside one already spent (up to twice a daily cap).
   */
  private static void sameZone(Node root, ZoneId zone, ZoneId servingZone) {
    if (!zone.normalized().equals(servingZone.normalized())) {
      throw root.child("time_zone").error("'" + zone.getId() + "' differs from '" + servingZone.getId()
              + "', the zone serving now; a reload cannot change the time zone, since day and month limit windows are"
              + " counted in it",
          "keep 'time_zone: " + servingZone.getId() + "' to reload the rest of the file; to change the zone, restart the"
              + " gateway: from the restart, day and month windows are calendar days and months in the new zone");
    }
  }

  private static Multipliers multipliers(Node pricing) {
    if (pricing.isMissing()) {
      return new Multipliers(Multipliers.ONE, Map.of());
    }
    pricing.onlyKeys(Set.of("multiplier", "route_type_multipliers"));
    long global = pricing.has("multiplier") ? ppm(pricing.child("multiplier")) : Multipliers.ONE;
    Map<RouteType, Long> perType = new EnumMap<>(RouteType.class);
    for (Map.Entry<String, Node> entry : pricing.child("route_type_multipliers").entries().entrySet()) {
      perType.put(routeType(entry.getValue(), entry.getKey()), ppm(entry.getValue()));
    }
    return new Multipliers(global, Map.copyOf(perType));
  }

  private static long ppm(Node node) {
    BigDecimal value = node.decimal();
    if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw node.error("multiplier " + value.toPlainString() + " is out of range (expected: > 0 and <= 100)", null);
    }
    try {
      return value.movePointRight(6).longValueExact();
    } catch (ArithmeticException e) {
      throw node.error("multiplier " + value.toPlainString() + " has more than 6 decimal places", null);
    }
  }

  private Map<String, Channel> channels(Node root) {
    Map<String, Channel> channels = new LinkedHashMap<>();
    for (Node node : root.list("channels")) {
      node.onlyKeys(Set.of("id", "label", "kind", "base_url", "api_key", "timeouts", "headers", "forward_headers", "breaker",
          "output_cap_field"));
      String id = id(node, "id");
      if (channels.containsKey(id)) {
        throw node.child("id").error("duplicate channel id '" + id + "'", "give each channel its own id");
      }
      String kindName = node.text("kind", "openai");
      ProviderKind kind = switch (kindName.toLowerCase(Locale.ROOT)) {
        case "openai" -> ProviderKind.OPENAI;
        case "anthropic" -> ProviderKind.ANTHROPIC;
        case "gemini" -> ProviderKind.GEMINI;
        default -> throw node.child("kind").error("unsupported provider kind '" + kindName + "'",
            "use 'openai' (any OpenAI-compatible endpoint), 'anthropic' (the Messages API) or 'gemini' (generateContent)");
      };
      // errors quote the URL as written: the value of a ${VARIABLE} in it may be a secret, and errors are logged
      String written = node.text("base_url");
      String baseUrl = resolve(node.child("base_url"), written);
      URI uri;
      try {
        uri = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
      } catch (IllegalArgumentException e) {
        throw node.child("base_url").error("not a valid URL: " + written, null);
      }
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
        throw node.child("base_url").error("'" + written + "' is not an http(s) URL", "write it like https://api.example.com/v1");
      }
      String credential = node.has("api_key") ? secret(node.child("api_key"), "the credential") : null;
      Map<String, String> headers = new LinkedHashMap<>();
      node.child("headers").entries().forEach((k, v) -> headers.put(k, resolve(v, v.json().asText())));
      List<String> forward = new ArrayList<>();
      for (Node header : node.list("forward_headers")) {
        String name = header.json().asText().toLowerCase(Locale.ROOT);
        if (Set.of("authorization", "proxy-authorization", "cookie", "host", "content-length", "transfer-encoding",
            "connection", "x-api-key", "api-key").contains(name)) {
          throw header.error("'" + name + "' may not be forwarded: it would send the client's credential or break the request",
              "remove it; the channel's own credential comes from api_key");
        }
        forward.add(name);
      }
      String capField = node.text("output_cap_field", "max_tokens");
      if (!capField.equals("max_tokens") && !capField.equals("max_completion_tokens")) {
        throw node.child("output_cap_field").error("output_cap_field: '" + capField + "' (expected: max_tokens or"
            + " max_completion_tokens)", "use max_completion_tokens for upstream models that refuse max_tokens");
      }
      Node breaker = node.child("breaker");
      if (!breaker.isMissing()) {
        breaker.onlyKeys(Set.of("failures", "cooldown_ms"));
      }
      channels.put(id, new Channel(id, node.text("label", id), kind, uri, credential, timeouts(node.child("timeouts")),
          Map.copyOf(headers), List.copyOf(forward), (int) breaker.integer("failures", 1, 1000, 5),
          breaker.integer("cooldown_ms", 100, 3_600_000, 30_000), capField));
    }
    if (channels.isEmpty()) {
      throw root.error("no channels configured", "add at least one entry under channels:");
    }
    return channels;
  }

  private static Timeouts timeouts(Node node) {
    if (node.isMissing()) {
      return Timeouts.DEFAULTS;
    }
    node.onlyKeys(Set.of("connect_ms", "first_byte_ms", "idle_ms", "total_ms"));
    Timeouts d = Timeouts.DEFAULTS;
    return new Timeouts(
        node.integer("connect_ms", 1, 600_000, d.connectMs()),
        node.integer("first_byte_ms", 1, 3_600_000, d.firstByteMs()),
        node.integer("idle_ms", 1, 3_600_000, d.idleMs()),
        node.integer("total_ms", 1, 86_400_000, d.totalMs()));
  }

  private static Map<String, CatalogModel> models(Node root) {
    Map<String, CatalogModel> models = new LinkedHashMap<>();
    for (Node node : root.list("models")) {
      node.onlyKeys(Set.of("id", "owned_by", "type", "context_window", "max_output_tokens", "image_tokens", "prices"));
      String id = id(node, "id");
      if (models.containsKey(id)) {
        throw node.child("id").error("duplicate model id '" + id + "'", "give each catalog model its own id");
      }
      String type = node.text("type", "chat");
      if (!type.equals("chat") && !type.equals("embeddings")) {
        throw node.child("type").error("unknown model type '" + type + "'", "use 'chat' or 'embeddings'");
      }
      long context = node.integer("context_window", 1, 100_000_000, 128_000);
      long maxOutput = node.integer("max_output_tokens", 1, 10_000_000, type.equals("chat") ? 16_384 : 1);
      Map<RouteType, Price> prices = new EnumMap<>(RouteType.class);
      for (Map.Entry<String, Node> entry : node.child("prices").entries().entrySet()) {
        prices.put(routeType(entry.getValue(), entry.getKey()), price(entry.getValue()));
      }
      models.put(id, new CatalogModel(id, node.text("owned_by", "tollgate"), context, maxOutput, Map.copyOf(prices),
          type.equals("embeddings"), imageTokens(node.child("image_tokens"))));
    }
    if (models.isEmpty()) {
      throw root.error("no catalog models configured", "add at least one entry under models:");
    }
    return models;
  }

  /** A model's image rule: both numbers or neither, so a forgotten tile price never bills tiles at the default. */
  private static ImageTokens imageTokens(Node node) {
    if (node.isMissing()) {
      return ImageTokens.GPT_4O;
    }
    node.onlyKeys(Set.of("base", "tile"));
    for (String key : List.of("base", "tile")) {
      if (!node.has(key)) {
        throw node.error("missing required key '" + key + "'",
            "give both numbers, e.g. image_tokens: {base: 85, tile: 170} (the gpt-4o rule, also the default)");
      }
    }
    return new ImageTokens(node.integer("base", 0, 1_000_000, 0), node.integer("tile", 0, 1_000_000, 0));
  }

  private static Map<String, Map<RouteType, Route>> routes(
      Node root, Map<String, Channel> channels, Map<String, CatalogModel> models) {
    Map<String, Map<RouteType, Route>> routes = new LinkedHashMap<>();
    for (Node node : root.list("routes")) {
      node.onlyKeys(Set.of("model", "type", "legs", "fallback"));
      String modelId = node.text("model");
      CatalogModel model = models.get(modelId);
      if (model == null) {
        String closest = Closest.of(modelId, models.keySet());
        throw node.child("model").error("unknown catalog model '" + modelId + "'",
            closest == null ? "declare it under models: first" : "did you mean '" + closest + "'?");
      }
      RouteType type = routeType(node.child("type"), node.text("type"));
      Map<RouteType, Route> byType = routes.computeIfAbsent(modelId, k -> new LinkedHashMap<>());
      if (byType.containsKey(type)) {
        throw node.child("type").error("model '" + modelId + "' already has a " + type.wireName() + " route",
            "merge the legs into one route");
      }
      List<Leg> legs = new ArrayList<>();
      for (Node legNode : node.list("legs")) {
        legs.add(leg(legNode, channels, model, type));
      }
      if (legs.isEmpty()) {
        throw node.error("route has no legs", "add at least one leg under legs:");
      }
      byType.put(type, new Route(modelId, type, List.copyOf(legs), fallback(node.child("fallback"), legs.size())));
    }
    Map<String, Map<RouteType, Route>> frozen = new LinkedHashMap<>();
    routes.forEach((k, v) -> frozen.put(k, java.util.Collections.unmodifiableMap(v)));
    return java.util.Collections.unmodifiableMap(frozen);
  }

  private static final Set<String> METRICS = Set.of("spend", "tokens", "requests");
  private static final Set<String> WINDOWS = Set.of("minute", "day", "month", "lifetime");

  private static List<ConfiguredLimit> limits(Node root, Map<String, Channel> channels, Map<String, Map<RouteType, Route>> routes) {
    List<ConfiguredLimit> out = new ArrayList<>();
    for (Node node : root.list("limits")) {
      node.onlyKeys(Set.of("scope", "model", "route_type", "channel", "metric", "bucket", "window", "cap", "per"));
      String scope = node.text("scope");
      String model = null;
      RouteType type = null;
      String channel = null;
      if (scope.equals("route")) {
        model = node.text("model");
        if (!routes.containsKey(model)) {
          String closest = Closest.of(model, routes.keySet());
          throw node.child("model").error("no routes serve model '" + model + "'",
              closest == null ? "name a catalog model that has routes" : "did you mean '" + closest + "'?");
        }
        type = routeType(node.child("route_type"), node.text("route_type"));
        if (!routes.get(model).containsKey(type)) {
          throw node.child("route_type").error("model '" + model + "' has no " + type.wireName() + " route", null);
        }
      } else if (scope.equals("channel")) {
        channel = node.text("channel");
        if (!channels.containsKey(channel)) {
          throw node.child("channel").error("unknown channel '" + channel + "'", "use one of " + String.join(", ", channels.keySet()));
        }
      } else {
        throw node.child("scope").error("scope '" + scope + "' cannot be set here",
            "the file holds route and channel limits; set account, project and key limits with the admin API or 'tollgate limits set'");
      }
      String metric = oneOf(node, "metric", METRICS);
      String window = oneOf(node, "window", WINDOWS);
      Bucket bucket = null;
      long cap;
      if (metric.equals("spend")) {
        String name = node.text("bucket");
        try {
          bucket = Bucket.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw node.child("bucket").error("unknown bucket '" + name + "'", "use CREDIT or RMB");
        }
        cap = micros(node.child("cap"));
      } else {
        if (node.has("bucket")) {
          throw node.child("bucket").error("only spend limits have a bucket", "remove it");
        }
        cap = node.integer("cap", 0, Long.MAX_VALUE / 4, -1);
        if (cap < 0) {
          throw node.error("missing required key 'cap'", "add 'cap:' with a whole number of " + metric);
        }
      }
      String per = node.text("per", "operator");
      if (!per.equals("operator") && !per.equals("account")) {
        throw node.child("per").error("per: '" + per + "'", "use 'operator' (all accounts together) or 'account' (each account separately)");
      }
      out.add(new ConfiguredLimit(scope, model, type, channel, metric, bucket, window, cap, per.equals("account")));
    }
    return List.copyOf(out);
  }

  private static String oneOf(Node node, String field, Set<String> allowed) {
    String value = node.text(field);
    if (!allowed.contains(value)) {
      throw node.child(field).error("unknown " + field + " '" + value + "'", "use one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    return value;
  }

  private static FallbackPolicy fallback(Node node, int legs) {
    if (node.isMissing()) {
      return FallbackPolicy.defaults(legs);
    }
    node.onlyKeys(Set.of("on", "provider_codes", "max_attempts", "allow_costlier", "max_price_ratio", "allow_bucket_change"));
    Set<String> on = FallbackPolicy.CLASSES;
    if (node.has("on")) {
      java.util.Set<String> chosen = new java.util.LinkedHashSet<>();
      for (Node item : node.list("on")) {
        String name = item.json().asText();
        if (!FallbackPolicy.CLASSES.contains(name)) {
          throw item.error("unknown failure class '" + name + "'", "use any of " + String.join(", ", new java.util.TreeSet<>(FallbackPolicy.CLASSES)));
        }
        chosen.add(name);
      }
      on = Set.copyOf(chosen);
    }
    java.util.Set<String> codes = new java.util.LinkedHashSet<>();
    node.list("provider_codes").forEach(item -> codes.add(item.json().asText()));
    long ratio = node.has("max_price_ratio") ? ppm(node.child("max_price_ratio")) : 0;
    if (ratio != 0 && ratio < Multipliers.ONE) {
      throw node.child("max_price_ratio").error("a ratio below 1 would refuse even an equally priced backup", "use 1 or more");
    }
    return new FallbackPolicy(on, Set.copyOf(codes), (int) node.integer("max_attempts", 1, 10, legs),
        node.bool("allow_costlier", false), ratio, node.bool("allow_bucket_change", false));
  }

  private static Leg leg(Node node, Map<String, Channel> channels, CatalogModel model, RouteType type) {
    node.onlyKeys(Set.of("channel", "upstream_model", "bucket", "price"));
    String channelId = node.text("channel");
    if (!channels.containsKey(channelId)) {
      String closest = Closest.of(channelId, channels.keySet());
      throw node.child("channel").error("unknown channel '" + channelId + "' (known: " + String.join(", ", channels.keySet()) + ")",
          closest == null ? "declare it under channels: first" : "did you mean '" + closest + "'?");
    }
    Bucket bucket = type.defaultBucket();
    if (node.has("bucket")) {
      String name = node.text("bucket");
      try {
        bucket = Bucket.valueOf(name.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw node.child("bucket").error("unknown bucket '" + name + "'", "use CREDIT or RMB");
      }
    }
    if (model.embeddings() && channels.get(channelId).kind() != ProviderKind.OPENAI) {
      throw node.child("channel").error("embeddings model '" + model.id() + "' on channel '" + channelId + "' of kind "
          + channels.get(channelId).kind().wireName() + ": only openai channels serve embeddings",
          "route the model to an openai-kind channel");
    }
    String upstreamModel = node.text("upstream_model", model.id());
    Price price;
    if (node.has("price")) {
      price = price(node.child("price"));
    } else if (bucket != type.defaultBucket()) {
      // the model's price for a route type is in that type's bucket's currency: inherited, it would be read as the other's
      throw node.error("leg " + channelId + "/" + upstreamModel + " pays from " + bucket + " (" + bucket.currency()
              + ") but has no 'price', and the model's " + type.wireName() + " price is in " + type.defaultBucket().currency()
              + " (the " + type.defaultBucket() + " bucket's currency)",
          "give the leg its own 'price: {input: ..., output: ...}' in " + bucket.currency() + ", or remove 'bucket: " + bucket
              + "' so it pays from " + type.defaultBucket() + " like its route");
    } else {
      price = model.prices().get(type);
      if (price == null) {
        throw node.error("no price for this leg: the leg has no 'price' and model '" + model.id() + "' has no "
                + type.wireName() + " price",
            "add 'price: {input: ..., output: ...}' to the leg or under the model's prices." + type.wireName()
                + " (a model is never served for free by omission)");
      }
    }
    return new Leg(channelId, upstreamModel, price, bucket);
  }

  private static Price price(Node node) {
    node.onlyKeys(Set.of("input", "output", "cached_input", "cache_write"));
    if (!node.has("input") || !node.has("output")) {
      throw node.error("a price needs both 'input' and 'output' (per million tokens)", "write price: {input: 0.15, output: 0.60}");
    }
    long input = micros(node.child("input"));
    long output = micros(node.child("output"));
    long cached = node.has("cached_input") ? micros(node.child("cached_input")) : input;
    long cacheWrite = node.has("cache_write") ? micros(node.child("cache_write")) : input;
    return new Price(input, output, cached, cacheWrite);
  }

  private static long micros(Node node) {
    BigDecimal value = node.json() != null && node.json().isTextual() ? parseDecimal(node) : node.decimal();
    if (value.signum() < 0) {
      throw node.error("price " + value.toPlainString() + " is negative (expected: >= 0)", null);
    }
    long micros;
    try {
      micros = value.movePointRight(6).longValueExact();
    } catch (ArithmeticException e) {
      throw node.error("price " + value.toPlainString() + " has more than 6 decimal places", "prices are exact to one micro-unit per million tokens");
    }
    if (micros > MAX_PRICE_MICROS) {
      throw node.error("price " + value.toPlainString() + " per million tokens is implausibly large", null);
    }
    return micros;
  }

  private static BigDecimal parseDecimal(Node node) {
    try {
      return new BigDecimal(node.json().asText().trim());
    } catch (NumberFormatException e) {
      throw node.error("'" + node.json().asText() + "' is not a decimal number", null);
    }
  }

  private static RouteType routeType(Node node, String name) {
    RouteType type = RouteType.parse(name);
    if (type == null) {
      throw node.error("unknown route type '" + name + "'", "use 'official' or 'routed'");
    }
    return type;
  }

  private static String id(Node node, String field) {
    String id = node.text(field);
    if (!ID.matcher(id).matches()) {
      throw node.child(field).error("'" + id + "' is not a valid id", "use letters, digits and . _ : / - (at most 128)");
    }
    return id;
  }

  /** A secret's value: only a {@code ${ENV_VAR}} reference is accepted, so that no secret is written in the file. */
  private String secret(Node node, String what) {
    String raw = node.json().asText();
    if (!ENV_REF.matcher(raw).matches()) {
      throw node.error(what + " is written in the file",
          "write it as ${ENV_VAR} and set that environment variable, so the secret stays out of the file");
    }
    return resolve(node, raw);
  }

  private String resolve(Node node, String raw) {
    Matcher m = ENV_REF.matcher(raw);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = environment.apply(m.group(1));
      if (value == null || value.isEmpty()) {
        throw node.error("environment variable " + m.group(1) + " is not set",
            "export " + m.group(1) + "=... before starting the gateway");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}

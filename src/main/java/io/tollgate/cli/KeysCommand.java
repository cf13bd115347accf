package io.tollgate.cli;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeySql;
import io.tollgate.auth.Keys;
import io.tollgate.auth.ScopeJson;
import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigLoader;
import io.tollgate.demo.Demo;
import io.tollgate.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tollgate keys create|list|revoke}. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list and revoke API keys.")
final class KeysCommand {
  @Mixin
  DataOption data;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key; its secret is printed once.")
  int create(
      @Option(names = "--project", required = true, paramLabel = "ID", description = "The project id (proj_...).") String project,
      @Option(names = "--name", paramLabel = "NAME", defaultValue = "key", description = "Display name (default: ${DEFAULT-VALUE}).") String name,
      @Option(names = "--models", split = ",", paramLabel = "ID",
          description = "Allowed catalog models (default: all), checked against the catalog of --config.") List<String> models,
      @Option(names = "--config", paramLabel = "FILE", description = {"The configuration whose catalog --models must be in"
          + " (default: tollgate.yaml; for the demo's database, the demo's own). Its $${...} variables need not be set."}) Path config,
      @Option(names = "--route-types", split = ",", paramLabel = "TYPE", defaultValue = "routed,official",
          description = "Allowed route types in order of preference (default: ${DEFAULT-VALUE}).") List<String> routeTypes,
      @Option(names = "--expires", paramLabel = "WHEN", description = {"When the key stops working: an ISO-8601 instant"
          + " (2027-01-31T00:00:00Z) or a number of days from now (30d). Default: never."}) String expires) {
    try (Store store = data.open()) {
      ScopeJson scope = new ScopeJson(models == null ? List.of() : models, routeTypes);
      if (models != null && !models.isEmpty()) {
        Path catalog = config != null ? config : store.isDemo() ? Demo.configFile(store.file()) : Path.of("tollgate.yaml");
        scope.requireServedModels(catalogOf(catalog), catalog.toString());
      }
      IssuedKey issued = new Keys(store, Clock.systemUTC()).create(project, name, scope.toScope(), expiry(expires));
      System.out.println(issued.key().id() + "\t" + issued.key().prefix() + "...");
      System.out.println("Secret (shown once, store it now): " + issued.secret());
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
  }

  /** {@code --expires}: an instant, or {@code Nd} days from now; null for never. */
  static Long expiry(String text) {
    if (text == null) {
      return null;
    }
    if (text.matches("\\d{1,5}d")) {
      return Clock.systemUTC().instant().plus(java.time.Duration.ofDays(Long.parseLong(text.substring(0, text.length() - 1))))
          .toEpochMilli();
    }
    try {
      return java.time.Instant.parse(text).toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("--expires " + text + " (expected: an instant such as 2027-01-31T00:00:00Z, or days"
          + " from now such as 30d)");
    }
  }

  private static Set<String> catalogOf(Path config) {
    try {
      return ConfigLoader.catalogModelIds(config);
    } catch (ConfigException e) {
      throw new IllegalArgumentException("cannot check --models against " + config + " (expected: the configuration the"
          + " gateway serves; pass it with --config FILE):\n" + e.getMessage());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (prefixes only; secrets are never stored).")
  int list(@Option(names = "--project", paramLabel = "ID", description = "Only this project's keys.") String project) {
    try (Store store = data.openReadOnly()) {
      for (ApiKey key : store.read(c -> KeySql.list(c, project))) {
        System.out.println(key.id() + "\t" + key.prefix() + "...\t" + key.projectId() + "\t" + key.name()
            + "\t" + ScopeJson.of(key.scope()).routeTypes() + (key.revoked() ? "\trevoked" : ""));
      }
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"Revoke a key. Refused while a gateway serves the data directory: revoke through its admin API",
          "(POST /admin/keys/{id}/revoke), or stop it first."})
  int revoke(@Parameters(paramLabel = "ID", description = "The key id (key_...).") String id) {
    try (Store store = data.open()) {
      if (!new Keys(store, Clock.systemUTC()).revoke(id)) {
        System.err.println("error: no live key '" + id + "'");
        return 1;
      }
      System.out.println("revoked " + id);
      return 0;
    }
  }
}

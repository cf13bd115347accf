package io.tollgate.cli;

import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tollgate config check}: a configuration file validated as {@code serve} and a reload validate it. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Check a configuration file.")
final class ConfigCommand {
  @Command(name = "check", mixinStandardHelpOptions = true,
      description = {"Validate a configuration file as `serve` and a reload do, without serving.",
          "Its $${...} references are read from this shell's environment, as by serve.",
          "Prints OK and what the file holds, or the error with its file and line;",
          "exits 0 when the file is valid, 1 otherwise. (A reload also refuses a",
          "change of time_zone, which only the running gateway can compare.)"})
  int check(@Parameters(paramLabel = "FILE", arity = "0..1", defaultValue = "tollgate.yaml",
      description = "The YAML configuration (default: ${DEFAULT-VALUE}).") Path file) {
    GatewayConfig config;
    try {
      config = new ConfigLoader(System::getenv).load(file);
    } catch (ConfigException e) {
      System.err.println("error: invalid configuration\n" + e.getMessage());
      return 1;
    }
    int routes = config.routes().values().stream().mapToInt(Map::size).sum();
    System.out.println("OK " + file + ": " + Plural.of(config.channels().size(), "channel") + ", "
        + Plural.of(config.models().size(), "model") + ", " + Plural.of(routes, "route") + ", "
        + Plural.of(config.limits().size(), "limit") + "; time zone " + config.timeZone().getId()
        + ", port " + config.port());
    return 0;
  }
}

package io.tollgate.cli;

import io.tollgate.auth.AdminToken;
import io.tollgate.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tollgate init}: writes a commented starter configuration and creates the admin token, shown once. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Write a commented starter configuration and create the admin token (printed once).")
final class InitCommand implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", defaultValue = "tollgate.yaml",
      description = "Where to write the configuration (default: ${DEFAULT-VALUE}).")
  Path config;

  @Mixin
  DataOption data;

  @Option(names = "--force", description = "Overwrite an existing configuration file and replace the admin token.")
  boolean force;

  @Override
  public Integer call() throws IOException {
    if (Files.exists(config) && !force) {
      System.err.println("error: " + config + " already exists; pass --force to overwrite it");
      return 1;
    }
    // the database first: while a gateway owns it, init is refused before it writes anything
    try (Store store = data.open()) {
      writeStarterConfig();
      if (AdminToken.exists(store) && !force) {
        System.out.println("Wrote " + config + ". The database already has an admin token; pass --force to replace it.");
        return 0;
      }
      String token = AdminToken.rotate(store);
      System.out.println("Wrote " + config + " and created " + data.file() + ".");
      System.out.println("Admin token (shown once, store it now): " + token);
    }
    return 0;
  }

  private void writeStarterConfig() throws IOException {
    try (InputStream in = InitCommand.class.getClassLoader().getResourceAsStream("starter-config.yaml")) {
      if (in == null) {
        throw new IOException("starter-config.yaml is missing from the jar");
      }
      Path parent = config.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.write(config, in.readAllBytes());
    }
  }
}

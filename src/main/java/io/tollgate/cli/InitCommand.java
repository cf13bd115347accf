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

/**
 * {@code tollgate init}: writes a commented starter configuration, creates the database and its admin token, shown
 * once. On a database that already has a token it says so and how to get a new one; it never touches the demo's.
 */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Write a commented starter configuration, create the database and its admin token (printed once).",
        "On a database that already has an admin token, say so: get a new one with `tollgate admin-token rotate`."})
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
      System.err.println("error: " + config + " already exists; pass --force to overwrite it"
          + (Files.exists(data.file()) ? " (--force also replaces the admin token of " + data.file()
          + ": the one in use stops working)" : ""));
      return 1;
    }
    boolean fresh = !Files.exists(data.file());
    // the database first: while a gateway owns it, or when it is the demo's, init is refused before it writes anything
    try (Store store = data.create()) {
      writeStarterConfig();
      String database = (fresh ? "created " : "the database ") + data.file() + (fresh ? "" : " already existed");
      if (AdminToken.exists(store) && !force) {
        System.out.println("Wrote " + config + "; " + database + ".");
        System.out.println("The database " + data.file() + " already has an admin token, which is never shown again"
            + " (only its hash is kept). To get a new one: `tollgate admin-token rotate --data " + data.file().getParent()
            + "` while no gateway serves it, or POST /admin/token/rotate with the current token while one does.");
        return 0;
      }
      String token = AdminToken.rotate(store);
      System.out.println("Wrote " + config + "; " + database + ".");
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

package io.tollgate.ledger.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The core stays pure: no SQL, no Vert.x, no HTTP, and of the gateway's own classes only pure ones. */
class CorePurityTest {
  private static final Path SOURCES = Path.of("src/main/java/io/tollgate/ledger/core");
  /** Gateway classes the core may use: configuration values, limit definitions, the demand, ledger account ids. */
  private static final Set<String> ALLOWED = Set.of("io.tollgate.config.Bucket", "io.tollgate.config.Leg",
      "io.tollgate.config.Multipliers", "io.tollgate.config.Price", "io.tollgate.config.Route",
      "io.tollgate.limits.Limit", "io.tollgate.limits.Metric", "io.tollgate.pricing.Demand", "io.tollgate.ledger.LedgerIds",
      "io.tollgate.ledger.LedgerIds.SystemAccount");

  @Test
  void importsNothingButTheJdkAndPureGatewayTypes() throws IOException {
    List<String> offending = new ArrayList<>();
    try (Stream<Path> files = Files.list(SOURCES)) {
      List<Path> sources = files.filter(f -> f.toString().endsWith(".java")).toList();
      assertThat(sources).hasSizeGreaterThan(10);
      for (Path file : sources) {
        for (String line : Files.readAllLines(file)) {
          String trimmed = line.strip();
          if (!trimmed.startsWith("import ")) {
            continue;
          }
          String imported = trimmed.substring("import ".length(), trimmed.length() - 1).replace("static ", "");
          boolean jdk = imported.startsWith("java.util") || imported.startsWith("java.time") || imported.startsWith("java.math")
              || imported.startsWith("java.lang");
          if (!jdk && !ALLOWED.contains(imported)) {
            offending.add(file.getFileName() + ": " + imported);
          }
        }
        // fully qualified names in code count too
        String text = Files.readString(file);
        for (String banned : List.of("java.sql", "javax.sql", "io.vertx", "io.tollgate.http", "io.tollgate.store")) {
          if (text.contains(banned + ".")) {
            offending.add(file.getFileName() + ": mentions " + banned);
          }
        }
      }
    }
    assertThat(offending).isEmpty();
  }
}

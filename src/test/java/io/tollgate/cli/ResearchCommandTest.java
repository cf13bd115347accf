package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate research}: the warning before, the progress during, the report file and receipt after. */
class ResearchCommandTest {
  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void aQuickResearchPrintsTheWarningRunsAndWritesTheReport() throws Exception {
    Path report = dir.resolve("acme.md");
    Cli.Run run = Cli.run("research", "ACME", "--mode", "quick", "--yes", "--out", report.toString(),
        "--url", f.url(""), "--api-key", f.bearer()[1].substring("Bearer ".length()));

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("Research ACME in quick mode: 2 sections", "SAMPLE DATA", "Cost in RMB: expected",
        "Warning: The data is the bundled sample set", "[#.] 1/2 overview succeeded", "[##] 2/2 risks succeeded",
        "Report: " + report, "Total RMB: charged", "Research support, not financial advice.");
    assertThat(Files.readString(report)).contains("# ACME - quick research", "## Run receipt");
  }

  @Test
  void withoutAKeyItSaysWhichVariableToSet() {
    Cli.Run run = Cli.run("research", "ACME", "--url", f.url(""));
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("TOLLGATE_API_KEY");
  }

  @Test
  void theDemoRunsAQuickResearchOnASampleSymbolOffline() throws Exception {
    Cli.Run served = Cli.run("serve", "--demo", "--data", dir.resolve("demo").toString(), "--port", "0");
    try {
      assertThat(served.code()).as(served.err()).isZero();
      String base = served.find(ServeTest.BASE_URL).replaceFirst("/v1$", "");
      Path report = dir.resolve("demo-acme.md");
      Cli.Run run = Cli.run("research", "ACME", "--mode", "quick", "--yes", "--out", report.toString(), "--url", base,
          "--api-key", served.find(Cli.SECRET));
      assertThat(run.code()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).contains("deepseek-chat (routed)", "Run ", "completed.", "Total RMB: charged");
      assertThat(Files.readString(report)).contains("Sample data", "Research support, not financial advice", "<svg");
    } finally {
      ServeCommand.stop();
    }
  }
}

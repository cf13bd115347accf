package io.tollgate.cli;

import static io.tollgate.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.cli.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate config check FILE}: the file validated as serve and reload validate it, without serving. */
class ConfigCheckTest {
  private static final String GOOD = """
      channels:
        - id: local
          base_url: http://127.0.0.1:9/v1
        - id: backup
          base_url: http://127.0.0.1:10/v1
      models:
        - id: solo
          prices:
            official: {input: 1, output: 2}
            routed: {input: 3, output: 4}
      routes:
        - model: solo
          type: official
          legs:
            - {channel: local}
        - model: solo
          type: routed
          legs:
            - {channel: backup}
            - {channel: local, bucket: RMB, price: {input: 5, output: 6}}
      limits:
        - {scope: channel, channel: local, metric: requests, window: minute, cap: 100}
      """;

  @TempDir
  Path dir;

  @Test
  void aGoodFileIsOkWithASummaryAndExitsZero() throws Exception {
    Path file = Files.writeString(dir.resolve("good.yaml"), GOOD);

    Run check = run("config", "check", file.toString());

    assertThat(check.code()).as(check.err()).isZero();
    assertThat(check.out()).startsWith("OK " + file)
        .contains("2 channels").contains("1 model").doesNotContain("1 models").contains("2 routes").contains("1 limit");
    assertThat(check.err()).isEmpty();
  }

  @Test
  void aBadFileNamesTheFileAndTheLineAndExitsOne() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.yaml"), GOOD.replace("{channel: backup}", "{channel: bakup}"));

    Run check = run("config", "check", file.toString());

    assertThat(check.code()).isEqualTo(1);
    assertThat(check.err()).contains(file + ":19").contains("unknown channel 'bakup'").contains("did you mean 'backup'?");
    assertThat(check.out()).doesNotContain("OK");
  }

  @Test
  void aMissingEnvironmentVariableFailsAsItWouldAtServe() throws Exception {
    Path file = Files.writeString(dir.resolve("env.yaml"),
        GOOD.replace("http://127.0.0.1:9/v1", "${TOLLGATE_TEST_SURELY_UNSET_URL}"));

    Run check = run("config", "check", file.toString());

    assertThat(check.code()).isEqualTo(1);
    assertThat(check.err()).contains(file + ":3").contains("TOLLGATE_TEST_SURELY_UNSET_URL is not set");
  }

  @Test
  void aMissingFileExitsOne() {
    Path file = dir.resolve("nope.yaml");

    Run check = run("config", "check", file.toString());

    assertThat(check.code()).isEqualTo(1);
    assertThat(check.err()).contains(file + ": file not found").contains("tollgate init");
    assertThat(file).doesNotExist();
  }
}

package io.tollgate.cli;

import static io.tollgate.cli.Cli.ADMIN_TOKEN;
import static io.tollgate.cli.Cli.SECRET;
import static io.tollgate.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.AdminToken;
import io.tollgate.auth.Secrets;
import io.tollgate.cli.Cli.Run;
import io.tollgate.store.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tollgate serve}, in-process: it returns once the gateway listens, and {@link ServeCommand#stop()} ends it.
 * The demo and a real configuration never share a database: each refuses the other's.
 */
class ServeTest {
  /** The demo's base URL in its banner, which also names its simulated upstream's (that one takes any key). */
  static final Pattern BASE_URL = Pattern.compile("(?<=Base URL:     )http://127\\.0\\.0\\.1:\\d+/v1");
  static final String ONE_MODEL = """
      channels:
        - id: local
          base_url: http://127.0.0.1:9/v1
      models:
        - id: solo
          prices:
            official: {input: 1, output: 2}
      routes:
        - model: solo
          type: official
          legs:
            - {channel: local}
      """;

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stopTheGateway() {
    ServeCommand.stop();
  }

  private static String database(Path data) {
    return data.resolve(DataOption.FILE_NAME).toAbsolutePath().normalize().toString();
  }

  private int chat(String baseUrl, String key) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private Run demo(Path data) {
    Run served = run("serve", "--demo", "--data", data.toString(), "--port", "0");
    assertThat(served.code()).as(served.err()).isZero();
    return served;
  }

  @Test
  void theDemoServesFromItsOwnDatabaseMarkedAsTheDemosAndSaysWhichFile() throws Exception {
    Path data = dir.resolve("demo");

    Run served = demo(data);

    assertThat(served.out()).contains(database(data));
    assertThat(chat(served.find(BASE_URL), served.find(SECRET))).isEqualTo(200);
    ServeCommand.stop();
    try (Store store = Store.openReadOnly(data.resolve(DataOption.FILE_NAME))) {
      assertThat(store.isDemo()).isTrue();
    }
    assertThat(data.resolve("tollgate-demo.yaml")).exists();
  }

  @Test
  void aRealServeRefusesTheDemosDatabaseNamingItAndWhatToDo() throws Exception {
    Path data = dir.resolve("demo");
    demo(data);
    ServeCommand.stop();
    Path config = Files.writeString(dir.resolve("tollgate.yaml"), ONE_MODEL);

    Run refused = run("serve", "--config", config.toString(), "--data", data.toString(), "--port", "0");

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: ").contains(data.resolve(DataOption.FILE_NAME).toString())
        .contains("demo database").contains("serve --demo").contains("--data").doesNotContain("\tat ");
    assertThat(refused.out()).doesNotContain("serving");
  }

  @Test
  void theDemoRefusesARealDatabaseAndLeavesItsAdminTokenAndTenantsAlone() throws Exception {
    Path data = dir.resolve("data");
    Run init = run("init", "--config", dir.resolve("tollgate.yaml").toString(), "--data", data.toString());
    String token = init.find(ADMIN_TOKEN);

    Run refused = run("serve", "--demo", "--data", data.toString(), "--port", "0");

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: ").contains(data.resolve(DataOption.FILE_NAME).toString())
        .contains("not a demo database").contains("data/demo").doesNotContain("\tat ");
    assertThat(refused.out()).doesNotContain("tg-").doesNotContain("tga-");
    try (Store store = Store.openReadOnly(data.resolve(DataOption.FILE_NAME))) {
      assertThat(AdminToken.storedHash(store).orElseThrow()).isEqualTo(Secrets.sha256(token));
      assertThat(store.isDemo()).isFalse();
    }
    assertThat(run("accounts", "list", "--data", data.toString()).out()).isEmpty();
    assertThat(data.resolve("tollgate-demo.yaml")).doesNotExist();
  }

  @Test
  void initRefusesTheDemosDatabase() {
    Path data = dir.resolve("demo");
    demo(data);
    ServeCommand.stop();
    Path config = dir.resolve("tollgate.yaml");

    Run refused = run("init", "--config", config.toString(), "--data", data.toString());

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: ").contains(data.resolve(DataOption.FILE_NAME).toString())
        .contains("demo database").contains("--data");
    assertThat(refused.out()).doesNotContain("tga-");
    assertThat(config).doesNotExist();
  }

  @Test
  void theDemoTakesNoConfigurationFile() {
    Run refused = run("serve", "--demo", "--config", "tollgate.yaml", "--data", dir.resolve("demo").toString());

    assertThat(refused.code()).isNotZero();
    assertThat(refused.err()).contains("--demo").contains("--config");
    assertThat(dir.resolve("demo")).doesNotExist();
  }

  @Test
  void aRealServeCountsItsModelsInPlainEnglishAndSaysWhichDatabaseItServes() throws Exception {
    Path config = Files.writeString(dir.resolve("tollgate.yaml"), ONE_MODEL);
    Path data = dir.resolve("data");

    Run served = run("serve", "--config", config.toString(), "--data", data.toString(), "--port", "0");

    assertThat(served.code()).as(served.err()).isZero();
    assertThat(served.out()).contains("serving 1 model on http://127.0.0.1:").doesNotContain("1 models")
        .contains(database(data));
  }
}

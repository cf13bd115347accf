package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /admin/config/reload} on one gateway process reaches every process sharing its PostgreSQL store: each
 * reloads its own configuration file, and one that rejects its file says so in its log and its metrics and serves on.
 */
class ClusterReloadTest {
  @TempDir
  static Path dir;
  static String url;
  static GatewayFixture a;
  static GatewayFixture b;
  static Path bConfig;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_reload");
    a = GatewayFixture.startPostgres(dir, url, "gw-a");
    bConfig = dir.resolve("gw-b.yaml");
    Files.copy(a.configFile, bConfig);
    b = a.peer("gw-b", bConfig);
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @Test
  void aReloadAskedOfOneProcessIsMadeByTheOtherFromItsOwnFile() throws Exception {
    setMultiplier(a.configFile, "1.5");
    setMultiplier(bConfig, "1.25");

    HttpResponse<String> reloaded = a.post("/admin/config/reload", "{}", a.admin());

    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
    assertThat(a.gateway.config().current().multipliers().globalPpm()).isEqualTo(1_500_000L);
    eventually(() -> b.gateway.config().current().multipliers().globalPpm() == 1_250_000L);
    assertThat(b.gateway.config().current().source()).isEqualTo(bConfig);
  }

  @Test
  void aProcessWhoseOwnFileIsBadSaysSoAndServesOn() throws Exception {
    setMultiplier(a.configFile, "2.0");
    long before = b.gateway.config().current().multipliers().globalPpm();
    setMultiplier(bConfig, "-3");

    assertThat(a.post("/admin/config/reload", "{}", a.admin()).statusCode()).isEqualTo(200);

    eventually(() -> b.get("/admin/metrics", b.admin()).body()
        .contains("tollgate_config_cluster_reloads_total{outcome=\"rejected\""));
    assertThat(b.gateway.config().current().multipliers().globalPpm()).isEqualTo(before);
    assertThat(b.post("/v1/chat/completions", "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        b.bearer()).statusCode()).isEqualTo(200);
  }

  private static void setMultiplier(Path file, String value) throws Exception {
    String yaml = Files.readString(file).replaceFirst("(?m)^  multiplier: .*$", "  multiplier: " + value);
    Files.writeString(file, yaml);
  }

  /** Waits for {@code condition}, which the other process's one-second tick makes true; fails after 20 s. */
  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
      Thread.sleep(100);
    }
    assertThat(condition.getAsBoolean()).as("seen by the other process").isTrue();
  }
}

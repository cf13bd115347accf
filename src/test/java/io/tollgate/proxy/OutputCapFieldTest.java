package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output cap a hold assumed goes upstream in the field the channel's models accept. */
class OutputCapFieldTest {
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
  void aChannelCanTakeTheCapAsMaxCompletionTokens() throws Exception {
    reloadWith("max_completion_tokens");
    String body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    // the mock writes what it is told, capped by whichever cap field it receives: solo's cap is 1,000
    HttpResponse<String> response = f.chat(body, "x-mock", "tokens=5000");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getJsonObject("usage").getLong("completion_tokens")).isEqualTo(1000L);
  }

  @Test
  void anUnknownCapFieldIsRefusedWithItsLine() throws Exception {
    String before = Files.readString(f.configFile);
    Files.writeString(f.configFile, before.replace("  - id: spare\n", "  - id: spare\n    output_cap_field: max_output\n"));
    try {
      HttpResponse<String> reloaded = f.post("/admin/config/reload", "", f.admin());
      assertThat(reloaded.statusCode()).isEqualTo(400);
      assertThat(reloaded.body()).contains("output_cap_field").contains("max_output").contains("tollgate.yaml:");
    } finally {
      Files.writeString(f.configFile, before);
    }
  }

  private static void reloadWith(String field) throws Exception {
    String config = Files.readString(f.configFile);
    Files.writeString(f.configFile, config.replace("  - id: main\n", "  - id: main\n    output_cap_field: " + field + "\n"));
    HttpResponse<String> reloaded = f.post("/admin/config/reload", "", f.admin());
    assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
  }
}

package io.tollgate.config;

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

/** A reload swaps in a good file at once, and a bad file is rejected while the old configuration keeps serving. */
class ConfigReloadTest {
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
  void reloadsAGoodFileAndRejectsABadOneWhileTheOldKeepsServing() throws Exception {
    String original = Files.readString(f.configFile);
    String renamed = original.replace("id: chat-b", "id: chat-z").replace("model: chat-b", "model: chat-z");
    Files.writeString(f.configFile, renamed);

    HttpResponse<String> good = f.post("/admin/config/reload", "", f.admin());

    assertThat(good.statusCode()).isEqualTo(200);
    assertThat(f.chat("{\"model\":\"chat-z\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    assertThat(f.chat("{\"model\":\"chat-b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(404);

    Files.writeString(f.configFile, renamed.replace("channel: spare, upstream_model: up-a-routed-backup", "channel: nowhere, upstream_model: x"));
    HttpResponse<String> bad = f.post("/admin/config/reload", "", f.admin());

    assertThat(bad.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(bad.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_config");
    assertThat(error.getString("message")).contains("tollgate.yaml:").contains("unknown channel 'nowhere'").contains("previous one keeps serving");
    assertThat(f.chat("{\"model\":\"chat-z\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    assertThat(f.post("/admin/config/reload", "", f.bearer()).statusCode()).isEqualTo(401);
  }

  @Test
  void refusesAReloadThatChangesTheTimeZoneAndKeepsTheOldZoneServing() throws Exception {
    String base = GatewayFixture.resource("gateway-test.yaml");
    String renamed = base.replace("id: chat-b", "id: chat-y").replace("model: chat-b", "model: chat-y");
    String utc = renamed.replace("time_zone: Asia/Shanghai", "time_zone: UTC");
    String chatY = "{\"model\":\"chat-y\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try {
      Files.writeString(f.configFile, utc);
      HttpResponse<String> refused = f.post("/admin/config/reload", "", f.admin());

      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
      JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid_config");
      assertThat(error.getString("message"))
          .contains("previous one keeps serving")
          .contains("tollgate.yaml:" + lineOf(utc, "time_zone:") + ": time_zone:")
          .contains("'UTC'").contains("'Asia/Shanghai'")
          .contains("restart").contains("day and month");
      assertThat(f.gateway.config().current().timeZone().getId()).isEqualTo("Asia/Shanghai");
      assertThat(f.chat(chatY).statusCode()).as("nothing of the refused file serves").isEqualTo(404);

      Files.writeString(f.configFile, renamed);
      HttpResponse<String> sameZone = f.post("/admin/config/reload", "", f.admin());
      assertThat(sameZone.statusCode()).as(sameZone.body()).isEqualTo(200);
      assertThat(f.chat(chatY).statusCode()).isEqualTo(200);
    } finally {
      Files.writeString(f.configFile, base);
      assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(200);
    }
  }

  private static int lineOf(String yaml, String text) {
    String[] lines = yaml.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in yaml");
  }
}

package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the response headers and the body's {@code model} tell a client, as the README promises. */
class ReceiptHeadersTest {
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
  void skippedLegsAreNoFallback() {
    Tenant t = Tenant.create(f, "skips");
    // pol's backups are all skipped (costlier, other bucket, the same leg again): only the primary runs
    HttpResponse<String> failed = f.post("/v1/chat/completions", "{\"model\":\"pol\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key(), "x-tollgate-route", "routed", "x-mock", "status=503");
    assertThat(failed.statusCode()).isEqualTo(502);
    assertThat(failed.headers().firstValue("x-tollgate-fallback")).contains("false");

    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":0}", f.admin());
    HttpResponse<String> refused = f.post("/v1/chat/completions", "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key(), "x-tollgate-route", "routed");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("x-tollgate-fallback")).contains("false");
  }

  @Test
  void aBackupThatRanIsAFallback() {
    Tenant t = Tenant.create(f, "backup");
    HttpResponse<String> served = f.post("/v1/chat/completions", "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key(), "x-tollgate-route", "official",
        "x-mock", "status=503,when_model=up-a");
    assertThat(served.headers().firstValue("x-tollgate-fallback")).contains("true");
    assertThat(served.headers().firstValue("x-tollgate-upstream-model")).contains("up-a-backup");
    assertThat(new JsonObject(served.body()).getString("model")).as("the catalog model asked for").isEqualTo("chat-a");
  }

  @Test
  void aStreamCarriesTheLimitHeadersAndTheCatalogModel() {
    Tenant t = Tenant.create(f, "stream-limits");
    f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
        + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":10}", f.admin());
    HttpResponse<String> streamed = f.post("/v1/chat/completions", "{\"model\":\"chat-a\",\"stream\":true,\"messages\":"
        + "[{\"role\":\"user\",\"content\":\"hi\"}]}", "authorization", "Bearer " + t.key(), "x-tollgate-route", "routed");

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("x-tollgate-limit-scope")).contains("key_daily_requests");
    assertThat(streamed.headers().firstValue("x-tollgate-limit-remaining")).contains("9");
    for (String event : FailureMatrixClient.events(streamed.body())) {
      if (!event.equals("[DONE]")) {
        assertThat(new JsonObject(event).getString("model")).isEqualTo("chat-a");
      }
    }
  }
}

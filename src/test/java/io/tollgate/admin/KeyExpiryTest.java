package io.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key issued with an expiry works until then and is refused after, like a revoked one. */
class KeyExpiryTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static final MutableClock clock = new MutableClock(Instant.parse("2026-08-01T00:00:00Z"));

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir, clock);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void aKeyStopsWorkingAtItsExpiry() {
    Tenant t = Tenant.create(f, "expiring");
    JsonObject key = new JsonObject(f.post("/admin/projects/" + t.projectId() + "/keys",
        "{\"name\":\"trial\",\"expires_at\":\"2026-08-02T00:00:00Z\"}", f.admin()).body());
    assertThat(key.getLong("expires_at_ms")).isEqualTo(Instant.parse("2026-08-02T00:00:00Z").toEpochMilli());
    String secret = key.getString("secret");

    assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret).statusCode()).isEqualTo(200);
    clock.advance(Duration.ofDays(1));
    HttpResponse<String> refused = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret);

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code")).isEqualTo("key_expired");
    assertThat(refused.body()).doesNotContain(secret);
    assertThat(f.get("/v1/models", "authorization", "Bearer " + secret).statusCode()).isEqualTo(401);
  }

  @Test
  void anExpiryInThePastOrUnreadableIsRefused() {
    Tenant t = Tenant.create(f, "bad-expiry");
    for (String expiry : new String[] {"\"2020-01-01T00:00:00Z\"", "\"tomorrow\"", "42"}) {
      HttpResponse<String> r = f.post("/admin/projects/" + t.projectId() + "/keys", "{\"expires_at\":" + expiry + "}", f.admin());
      assertThat(r.statusCode()).as(expiry).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("param")).isEqualTo("expires_at");
    }
  }
}

package io.tollgate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin API: tenants, keys shown once, scopes, immediate revoke, and receipts a key can and cannot see. */
class AdminAndKeysTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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
  void refusesAdminCallsWithoutTheAdminToken() {
    assertThat(f.get("/admin/accounts").statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/accounts", f.bearer()).statusCode()).isEqualTo(401);
    assertThat(f.get("/admin/accounts", f.admin()).statusCode()).isEqualTo(200);
  }

  @Test
  void createsTenantsAndAKeyWhoseSecretIsShownOnceAndStoredHashed() throws Exception {
    String project = newProject("shown-once");

    HttpResponse<String> created = f.post("/admin/projects/" + project + "/keys",
        "{\"name\":\"bot\",\"scope\":{\"models\":[\"chat-a\"],\"route_types\":[\"official\"]}}", f.admin());

    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject key = new JsonObject(created.body());
    String secret = key.getString("secret");
    assertThat(secret).startsWith("tg-").hasSize(43);
    assertThat(key.getString("prefix")).isEqualTo(secret.substring(0, 11));
    HttpResponse<String> listed = f.get("/admin/keys?project_id=" + project, f.admin());
    assertThat(listed.body()).contains(key.getString("id")).doesNotContain(secret);
    String stored = f.store.read(c -> {
      try (var s = c.createStatement(); var rs = s.executeQuery("SELECT group_concat(hex(secret_hash) || prefix) FROM api_keys")) {
        return rs.next() ? rs.getString(1) : "";
      }
    });
    assertThat(stored).doesNotContain(secret);

    HttpResponse<String> used = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret);
    assertThat(used.statusCode()).isEqualTo(200);
    assertThat(used.headers().firstValue("x-tollgate-route")).hasValue("official");
  }

  @Test
  void revokeTakesEffectOnTheNextRequest() {
    String project = newProject("revoked");
    JsonObject key = new JsonObject(f.post("/admin/projects/" + project + "/keys", "{\"name\":\"soon-gone\"}", f.admin()).body());
    String secret = key.getString("secret");
    assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret).statusCode()).isEqualTo(200);

    HttpResponse<String> revoked = f.post("/admin/keys/" + key.getString("id") + "/revoke", "", f.admin());

    assertThat(revoked.statusCode()).isEqualTo(200);
    HttpResponse<String> after = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret);
    assertThat(after.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(after.body()).getJsonObject("error").getString("message")).contains("revoked");
  }

  @Test
  void scopeChangesTakeEffectOnTheNextRequest() {
    String project = newProject("rescoped");
    JsonObject key = new JsonObject(f.post("/admin/projects/" + project + "/keys", "{}", f.admin()).body());
    String secret = key.getString("secret");
    assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret).statusCode()).isEqualTo(200);

    HttpResponse<String> changed = f.put("/admin/keys/" + key.getString("id") + "/scope",
        "{\"models\":[\"chat-b\"],\"route_types\":[\"routed\"]}", f.admin());

    assertThat(changed.statusCode()).isEqualTo(200);
    assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + secret).statusCode()).isEqualTo(403);
    assertThat(f.put("/admin/keys/" + key.getString("id") + "/scope", "{\"route_types\":[\"cheap\"]}", f.admin()).statusCode())
        .isEqualTo(400);
  }

  @Test
  void aKeySeesOnlyItsOwnProjectsReceipts() {
    String project = newProject("other");
    String other = new JsonObject(f.post("/admin/projects/" + project + "/keys", "{}", f.admin()).body()).getString("secret");
    String mine = f.chat(CHAT).headers().firstValue("x-tollgate-request-id").orElseThrow();
    String theirs = f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + other)
        .headers().firstValue("x-tollgate-request-id").orElseThrow();

    assertThat(f.get("/v1/receipts/" + theirs, f.bearer()).statusCode()).isEqualTo(404);
    assertThat(f.get("/v1/receipts/" + mine, f.bearer()).statusCode()).isEqualTo(200);
    JsonArray listed = new JsonObject(f.get("/v1/receipts?limit=100", f.bearer()).body()).getJsonArray("data");
    assertThat(listed.stream().map(r -> ((JsonObject) r).getString("id"))).contains(mine).doesNotContain(theirs);
    assertThat(f.get("/admin/receipts/" + theirs, f.admin()).statusCode()).isEqualTo(200);
  }

  @Test
  void pagesReceiptsNewestFirst() {
    for (int i = 0; i < 3; i++) {
      f.chat(CHAT);
    }
    JsonObject first = new JsonObject(f.get("/v1/receipts?limit=2", f.bearer()).body());
    JsonObject second = new JsonObject(f.get("/v1/receipts?limit=2&after=" + first.getString("last_id"), f.bearer()).body());

    assertThat(first.getJsonArray("data")).hasSize(2);
    assertThat(first.getBoolean("has_more")).isTrue();
    String a = first.getJsonArray("data").getJsonObject(0).getString("id");
    String b = first.getJsonArray("data").getJsonObject(1).getString("id");
    String c = second.getJsonArray("data").getJsonObject(0).getString("id");
    assertThat(a).isGreaterThan(b);
    assertThat(b).isGreaterThan(c);
    assertThat(f.get("/v1/receipts?limit=0", f.bearer()).statusCode()).isEqualTo(400);
  }

  @Test
  void listsOnlyTheModelsAKeyMayUseWithPricesAndRouteTypes() {
    String project = newProject("models");
    String secret = new JsonObject(f.post("/admin/projects/" + project + "/keys",
        "{\"scope\":{\"models\":[\"chat-a\",\"embed-a\"],\"route_types\":[\"official\"]}}", f.admin()).body()).getString("secret");

    JsonObject list = new JsonObject(f.get("/v1/models", "authorization", "Bearer " + secret).body());

    assertThat(list.getString("object")).isEqualTo("list");
    assertThat(list.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id"))).containsExactly("chat-a", "embed-a");
    JsonObject chatA = new JsonObject(f.get("/v1/models/chat-a", "authorization", "Bearer " + secret).body());
    JsonObject route = chatA.getJsonObject("tollgate").getJsonArray("routes").getJsonObject(0);
    assertThat(route.getString("type")).isEqualTo("official");
    assertThat(route.getString("bucket")).isEqualTo("CREDIT");
    assertThat(route.getJsonObject("price").getLong("input")).isEqualTo(1_000_000L);
    assertThat(f.get("/v1/models/chat-b", "authorization", "Bearer " + secret).statusCode()).isEqualTo(404);
    assertThat(f.get("/v1/models").statusCode()).isEqualTo(401);
  }

  @Test
  void refusesAScopeNamingAModelTheCatalogDoesNotServeWithAHint() {
    String project = newProject("typo");

    HttpResponse<String> created = f.post("/admin/projects/" + project + "/keys",
        "{\"scope\":{\"models\":[\"chat-a\",\"chat-q\"]}}", f.admin());

    assertThat(created.statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(created.body()).getJsonObject("error");
    assertThat(error.getString("param")).isEqualTo("scope.models");
    assertThat(error.getString("code")).isEqualTo("unknown_model");
    assertThat(error.getString("message")).contains("'chat-q'").contains("Did you mean 'chat-a'");
    assertThat(f.get("/admin/keys?project_id=" + project, f.admin()).body()).doesNotContain("\"key_");
    String key = new JsonObject(f.post("/admin/projects/" + project + "/keys", "{}", f.admin()).body()).getString("id");
    HttpResponse<String> rescoped = f.put("/admin/keys/" + key + "/scope", "{\"models\":[\"chat-q\"]}", f.admin());
    assertThat(rescoped.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(rescoped.body()).getJsonObject("error").getString("param")).isEqualTo("models");
  }

  @Test
  void reportsHealthAndReadiness() {
    assertThat(f.get("/healthz").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = f.get("/readyz");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("store")).isEqualTo("open");
  }

  @Test
  void refusesAKeyWhoseScopeOrNameHasTheWrongTypeWith400() {
    String project = newProject("typed");

    HttpResponse<String> scope = f.post("/admin/projects/" + project + "/keys", "{\"name\":\"k\",\"scope\":\"all\"}", f.admin());
    HttpResponse<String> name = f.post("/admin/projects/" + project + "/keys", "{\"name\":42}", f.admin());

    assertThat(scope.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(scope.body()).getJsonObject("error").getString("param")).isEqualTo("scope");
    assertThat(name.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(name.body()).getJsonObject("error").getString("param")).isEqualTo("name");
  }

  private static String newProject(String name) {
    String account = new JsonObject(f.post("/admin/accounts", "{\"name\":\"" + name + "\"}", f.admin()).body()).getString("id");
    for (String bucket : new String[] {"CREDIT", "RMB"}) {
      assertThat(f.post("/admin/accounts/" + account + "/topups",
          "{\"bucket\":\"" + bucket + "\",\"amount\":\"100\",\"idempotency_key\":\"start-" + bucket + "\"}", f.admin()).statusCode()).isEqualTo(201);
    }
    HttpResponse<String> project = f.post("/admin/accounts/" + account + "/projects", "{\"name\":\"" + name + "\"}", f.admin());
    assertThat(project.statusCode()).isEqualTo(201);
    return new JsonObject(project.body()).getString("id");
  }
}

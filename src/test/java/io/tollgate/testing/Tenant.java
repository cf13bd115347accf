package io.tollgate.testing;

import io.vertx.core.json.JsonObject;

/** A fresh account, funded in both buckets, with one project and one key, made through the admin API. */
public record Tenant(String accountId, String projectId, String keyId, String key) {
  public static Tenant create(GatewayFixture f, String name) {
    String account = new JsonObject(f.post("/admin/accounts", "{\"name\":\"" + name + "\"}", f.admin()).body()).getString("id");
    for (String bucket : new String[] {"CREDIT", "RMB"}) {
      f.post("/admin/accounts/" + account + "/topups",
          "{\"bucket\":\"" + bucket + "\",\"amount\":\"1000\",\"idempotency_key\":\"start-" + bucket + "\"}", f.admin());
    }
    String project = new JsonObject(f.post("/admin/accounts/" + account + "/projects", "{\"name\":\"" + name + "\"}", f.admin())
        .body()).getString("id");
    JsonObject key = new JsonObject(f.post("/admin/projects/" + project + "/keys", "{\"name\":\"" + name + "\"}", f.admin()).body());
    return new Tenant(account, project, key.getString("id"), key.getString("secret"));
  }

  /** Another key in the same project. */
  public Tenant anotherKey(GatewayFixture f) {
    JsonObject key = new JsonObject(f.post("/admin/projects/" + projectId + "/keys", "{}", f.admin()).body());
    return new Tenant(accountId, projectId, key.getString("id"), key.getString("secret"));
  }

  public String[] bearer() {
    return new String[] {"authorization", "Bearer " + key};
  }
}

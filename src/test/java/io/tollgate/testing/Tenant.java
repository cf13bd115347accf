package io.tollgate.testing;

import io.vertx.core.json.JsonObject;

/** A fresh account, funded in both buckets, with one project and one key, made through the admin API. */
public record Tenant(String accountId, String projectId, String keyId, String key) {
  public static Tenant create(GatewayFixture f, String name) {
    return funded(f, name, "1000", "1000");
  }

  /** A tenant whose wallets start with {@code credit} and {@code rmb} (decimal amounts; null for an empty wallet). */
  public static Tenant funded(GatewayFixture f, String name, String credit, String rmb) {
    String account = new JsonObject(f.post("/admin/accounts", "{\"name\":\"" + name + "\"}", f.admin()).body()).getString("id");
    String[][] topUps = {{"CREDIT", credit}, {"RMB", rmb}};
    for (String[] topUp : topUps) {
      if (topUp[1] == null) {
        continue;
      }
      var response = f.post("/admin/accounts/" + account + "/topups", "{\"bucket\":\"" + topUp[0] + "\",\"amount\":\""
          + topUp[1] + "\",\"idempotency_key\":\"start-" + topUp[0] + "\"}", f.admin());
      if (response.statusCode() != 201) {
        throw new IllegalStateException("top-up refused: " + response.body());
      }
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

  /** A chat completion on the routed route with this tenant's key, the mock scripted by {@code mock}. */
  public java.net.http.HttpResponse<String> chatRouted(GatewayFixture f, String body, String mock, String... headers) {
    String[] all = new String[headers.length + 6];
    all[0] = "authorization";
    all[1] = "Bearer " + key;
    all[2] = "x-mock";
    all[3] = mock;
    all[4] = "x-tollgate-route";
    all[5] = "routed";
    System.arraycopy(headers, 0, all, 6, headers.length);
    return f.post("/v1/chat/completions", body, all);
  }

  /** The receipt of {@code response}, read as this tenant's key reads it. */
  public JsonObject receipt(GatewayFixture f, java.net.http.HttpResponse<String> response) {
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    java.net.http.HttpResponse<String> receipt = f.get("/v1/receipts/" + id, bearer());
    if (receipt.statusCode() != 200) {
      throw new AssertionError("receipt " + id + ": " + receipt.statusCode() + " " + receipt.body());
    }
    return new JsonObject(receipt.body());
  }

  public String[] bearer() {
    return new String[] {"authorization", "Bearer " + key};
  }
}

package io.tollgate.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.LoggingConfig;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.LogCapture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway logs while it serves a full set of operations: one access line per receipt, one audit line per
 * admin call that changes state, lifecycle lines, and never a key, the admin token or an upstream credential.
 */
class LogsTest {
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAM = "{\"model\":\"chat-a\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String UPSTREAM_CREDENTIAL = "test-upstream-credential";

  @TempDir
  Path dir;

  @Test
  void logsEveryRequestAndAdminActionAsJsonWithoutASingleSecret() throws Exception {
    List<String> secrets = new ArrayList<>();
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.JSON, "debug", true));
        GatewayFixture f = GatewayFixture.start(dir)) {
      secrets.add(f.key);
      secrets.add(f.adminToken);
      Tenant t = Tenant.create(f, "acme");
      Tenant other = t.anotherKey(f);
      secrets.add(t.key());
      secrets.add(other.key());

      String ok = requestId(f.post("/v1/chat/completions", CHAT, t.bearer()), 200);
      String fallback = requestId(f.post("/v1/chat/completions", CHAT, header(t, "x-mock", "status=503,when_model=up-a-routed")), 200);
      String failed = requestId(f.post("/v1/chat/completions", CHAT, header(t, "x-mock", "status=500,echo_auth=true")), 502);
      String streamed = requestId(f.post("/v1/chat/completions", STREAM, t.bearer()), 200);
      String embedded = requestId(f.post("/v1/embeddings", "{\"model\":\"embed-a\",\"input\":\"hello\"}", t.bearer()), 200);
      String badKey = "tg-" + "Z".repeat(40);
      secrets.add(badKey);
      assertThat(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + badKey).statusCode()).isEqualTo(401);
      assertThat(f.post("/v1/chat/completions", CHAT, "x-api-key", t.key()).statusCode()).isEqualTo(401);
      requestId(f.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + t.key(), "api-key", t.key(),
          "x-mock", "echo_auth=true"), 200);

      assertThat(f.post("/admin/keys/" + other.keyId() + "/revoke", "", f.admin()).statusCode()).isEqualTo(200);
      assertThat(f.put("/admin/keys/" + t.keyId() + "/scope", "{\"route_types\":[\"routed\",\"official\"]}", f.admin())
          .statusCode()).isEqualTo(200);
      HttpResponse<String> limit = f.post("/admin/limits", "{\"scope\":\"key\",\"subject\":\"" + t.keyId()
          + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":1000}", f.admin());
      assertThat(limit.statusCode()).as(limit.body()).isEqualTo(201);
      String limitId = new JsonObject(limit.body()).getString("id");
      assertThat(f.delete("/admin/limits/" + limitId, f.admin()).statusCode()).isEqualTo(200);
      assertThat(f.put("/admin/accounts/" + t.accountId() + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":1000}",
          f.admin()).statusCode()).isEqualTo(200);
      HttpResponse<String> code = f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"2.5\"}", f.admin());
      assertThat(code.statusCode()).as(code.body()).isEqualTo(201);
      String codeText = new JsonObject(code.body()).getString("code");
      String codePrefix = new JsonObject(code.body()).getString("prefix");
      secrets.add(codeText);
      assertThat(f.post("/v1/wallet/redeem", "{\"code\":\"" + codeText + "\"}", t.bearer()).statusCode()).isEqualTo(200);
      String wrongToken = "tga-" + "W".repeat(40);
      secrets.add(wrongToken);
      assertThat(f.post("/admin/accounts", "{\"name\":\"x\"}", "authorization", "Bearer " + wrongToken).statusCode())
          .isEqualTo(401);

      assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(200);
      String good = Files.readString(f.configFile);
      Files.writeString(f.configFile, good + "\nbogus_key: 1\n");
      assertThat(f.post("/admin/config/reload", "", f.admin()).statusCode()).isEqualTo(400);
      Files.writeString(f.configFile, good);

      // a streamed answer may reach its client a moment before its receipt commits
      List<String> receipts = eventually(() -> receiptIds(f),
          ids -> ids.containsAll(List.of(ok, fallback, failed, streamed, embedded))
              && logs.json(LogSetup.ACCESS).size() >= ids.size());
      String all = logs.text();
      assertThat(all.lines()).allSatisfy(line -> assertThat(new JsonObject(line)).isNotNull());
      for (String secret : secrets) {
        assertThat(all).as("no line may contain %s", secret).doesNotContain(secret);
      }
      assertThat(all).doesNotContain(UPSTREAM_CREDENTIAL);

      Map<String, JsonObject> access = byRequestId(logs.json(LogSetup.ACCESS));
      assertThat(logs.json(LogSetup.ACCESS)).hasSize(receipts.size());
      assertThat(access.keySet()).containsExactlyInAnyOrderElementsOf(receipts);
      JsonObject line = access.get(ok);
      assertThat(line.getString("level")).isEqualTo("INFO");
      assertThat(line.getString("formattedMessage")).isEqualTo("chat.completions 200 succeeded");
      assertThat(LogCapture.fields(line).getMap()).containsEntry("request_id", ok)
          .containsEntry("key", t.key().substring(0, 11))
          .containsEntry("account", t.accountId())
          .containsEntry("project", t.projectId())
          .containsEntry("endpoint", "chat.completions")
          .containsEntry("model", "chat-a")
          .containsEntry("route", "routed")
          .containsEntry("leg", "primary")
          .containsEntry("channel", "main")
          .containsEntry("upstream_model", "up-a-routed")
          .containsEntry("fallback", "false")
          .containsEntry("stream", "false")
          .containsEntry("status", "200")
          .containsEntry("outcome", "succeeded")
          .containsEntry("currency", "CNY")
          .containsEntry("bucket", "RMB")
          .containsEntry("charged", "true")
          .containsKeys("cost_micros", "latency_ms", "prompt_tokens", "completion_tokens");
      assertThat(Long.parseLong(LogCapture.fields(line).getString("cost_micros"))).isPositive();
      assertThat(LogCapture.fields(access.get(fallback)).getMap()).containsEntry("leg", "backup-1")
          .containsEntry("upstream_model", "up-a-routed-backup").containsEntry("fallback", "true");
      assertThat(LogCapture.fields(access.get(failed)).getMap()).containsEntry("status", "502")
          .containsEntry("outcome", "failed").containsEntry("cost_micros", "0").containsEntry("charged", "false");
      assertThat(LogCapture.fields(access.get(streamed)).getMap()).containsEntry("stream", "true");
      assertThat(LogCapture.fields(access.get(embedded)).getMap()).containsEntry("endpoint", "embeddings")
          .containsEntry("route", "official").containsEntry("currency", "USD").containsEntry("bucket", "CREDIT");

      List<JsonObject> audit = logs.json(LogSetup.AUDIT).stream().map(LogCapture::fields).toList();
      assertThat(audit).allSatisfy(a -> assertThat(a.getMap()).containsKeys("actor", "client", "method", "path", "status"));
      assertThat(audit).filteredOn(a -> "admin".equals(a.getString("actor")))
          .allSatisfy(a -> assertThat(a.getString("client")).isEqualTo("127.0.0.1"));
      Function<String, JsonObject> auditOf = path -> audit.stream().filter(a -> a.getString("path").equals(path))
          .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no audit line for " + path + " in " + audit));
      assertThat(auditOf.apply("/admin/accounts/" + t.accountId() + "/topups").getMap())
          .containsEntry("method", "POST").containsEntry("resource", t.accountId()).containsEntry("status", "201");
      assertThat(auditOf.apply("/admin/accounts/" + t.accountId() + "/topups").getString("change")).contains("bucket=RMB");
      assertThat(auditOf.apply("/admin/projects/" + t.projectId() + "/keys").getMap())
          .containsEntry("resource", t.projectId()).containsEntry("created", other.keyId());
      assertThat(auditOf.apply("/admin/keys/" + other.keyId() + "/revoke").getMap())
          .containsEntry("resource", other.keyId()).containsEntry("status", "200");
      assertThat(auditOf.apply("/admin/keys/" + t.keyId() + "/scope").getString("change")).contains("route_types");
      assertThat(auditOf.apply("/admin/limits").getMap()).containsEntry("created", limitId);
      assertThat(auditOf.apply("/admin/limits/" + limitId).getMap()).containsEntry("method", "DELETE")
          .containsEntry("resource", limitId);
      assertThat(auditOf.apply("/admin/accounts/" + t.accountId() + "/overdraft").getString("change"))
          .contains("overdraft_micros=1000");
      assertThat(auditOf.apply("/admin/redeem-codes").getMap()).containsEntry("created", codePrefix)
          .containsEntry("status", "201");
      assertThat(audit).filteredOn(a -> a.getString("path").equals("/admin/config/reload"))
          .extracting(a -> a.getString("status")).containsExactly("200", "400");
      assertThat(audit).filteredOn(a -> "401".equals(a.getString("status"))).singleElement()
          .satisfies(a -> assertThat(a.getMap()).containsEntry("actor", "unauthenticated")
              .containsEntry("path", "/admin/accounts"));
      assertThat(audit).noneMatch(a -> "GET".equals(a.getString("method")));

      List<String> messages = logs.lines().stream().map(l -> new JsonObject(l).getString("formattedMessage")).toList();
      assertThat(messages).anyMatch(m -> m.startsWith("configuration reloaded from " + f.configFile));
      assertThat(messages).anyMatch(m -> m.contains("configuration reload rejected") && m.contains(f.configFile + ":")
          && m.contains("bogus_key"));
      assertThat(messages).anyMatch(m -> m.startsWith("channel main: upstream http_5xx"));
    }
  }

  @Test
  void writesReadableTextLinesWithTheFieldsAsKeyValuePairs() throws Exception {
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.TEXT, "info", true));
        GatewayFixture f = GatewayFixture.start(dir)) {
      String id = requestId(f.chat(CHAT), 200);
      f.put("/admin/accounts/" + f.project.accountId() + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":5}", f.admin());

      assertThat(logs.text(LogSetup.ACCESS)).singleElement().satisfies(line -> assertThat(line)
          .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO  tollgate\\.access - "
              + "chat\\.completions 200 succeeded request_id=\"" + id + "\" key=\"" + f.key.substring(0, 11) + "\" .*")
          .contains(" route=\"routed\" leg=\"primary\" channel=\"main\" upstream_model=\"up-a-routed\" ")
          .contains(" status=\"200\" outcome=\"succeeded\" ")
          .contains(" currency=\"CNY\" bucket=\"RMB\" charged=\"true\" latency_ms=\""));
      assertThat(logs.text(LogSetup.AUDIT)).singleElement().satisfies(line -> assertThat(line)
          .contains(" INFO  tollgate.audit - PUT /admin/accounts/" + f.project.accountId() + "/overdraft 200 actor=\"admin\"")
          .contains(" change=\"bucket=RMB overdraft_micros=5\""));
    }
  }

  @Test
  void leavesTheAccessLogOutWhenTheConfigurationSaysSo() throws Exception {
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.TEXT, "info", false));
        GatewayFixture f = GatewayFixture.start(dir)) {
      requestId(f.chat(CHAT), 200);
      f.put("/admin/accounts/" + f.project.accountId() + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":5}", f.admin());

      assertThat(logs.text(LogSetup.ACCESS)).isEmpty();
      assertThat(logs.text(LogSetup.AUDIT)).hasSize(1);
    }
  }

  private static <T> T eventually(java.util.function.Supplier<T> read, java.util.function.Predicate<T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    T value = read.get();
    while (!done.test(value) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      value = read.get();
    }
    return value;
  }

  private static String[] header(Tenant t, String name, String value) {
    return new String[] {"authorization", "Bearer " + t.key(), name, value};
  }

  private static String requestId(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
  }

  private static List<String> receiptIds(GatewayFixture f) {
    return f.store.read(c -> {
      List<String> ids = new ArrayList<>();
      try (var s = c.createStatement(); var rs = s.executeQuery("SELECT id FROM receipts")) {
        while (rs.next()) {
          ids.add(rs.getString(1));
        }
      }
      return ids;
    });
  }

  private static Map<String, JsonObject> byRequestId(List<JsonObject> lines) {
    return lines.stream().collect(Collectors.toMap(l -> LogCapture.fields(l).getString("request_id"), l -> l));
  }
}

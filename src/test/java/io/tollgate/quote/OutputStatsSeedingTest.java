package io.tollgate.quote;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From the review: what the quote measured of a rarely used model survives a restart, however many requests to other
 * models came after it (the measured means are kept in the store, not rebuilt from the latest receipts).
 */
class OutputStatsSeedingTest {
  @TempDir
  Path dir;

  @Test
  void aRarelyUsedModelKeepsItsMeasuredMeanAcrossARestart() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    try {
      String lone = "{\"model\":\"chat-b\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}";
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> r = f.chat(lone, "x-mock", "tokens=12");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      JsonObject before = quote(f, lone);
      assertThat(before.getJsonObject("cost").getString("expected_basis")).contains("measured requests to chat-b");
      long learnt = before.getJsonObject("tokens").getLong("expected_output");

      // then 2,000 later succeeded requests to a popular model (written as their receipts, to keep the test fast)
      Wallets.execute(f.store, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
          + " INSERT INTO receipts (id, account_id, project_id, key_id, created_at, model, outcome, body, charged)"
          + " SELECT 'req_ZZZZZZZZZZ' || printf('%06d', i), NULL, NULL, NULL, 0, 'chat-a', 'succeeded',"
          + " '{\"id\":\"req_ZZZZZZZZZZ' || printf('%06d', i) || '\",\"requested_model\":\"chat-a\",\"outcome\":\"succeeded\","
          + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":40,\"source\":\"measured\"}}', 0 FROM n");

      f.restart();

      JsonObject after = quote(f, lone);
      assertThat(after.getJsonObject("cost").getString("expected_basis")).as("what was learnt of chat-b")
          .contains("measured requests to chat-b");
      assertThat(after.getJsonObject("tokens").getLong("expected_output")).isEqualTo(learnt);
    } finally {
      f.close();
    }
  }

  private static JsonObject quote(GatewayFixture f, String body) {
    HttpResponse<String> q = f.post("/v1/quote", body, f.bearer());
    assertThat(q.statusCode()).as(q.body()).isEqualTo(200);
    return new JsonObject(q.body());
  }
}

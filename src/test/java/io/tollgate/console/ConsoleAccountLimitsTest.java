package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's accounts page shows an account's own limits, sets them and removes them, and the gateway enforces them. */
class ConsoleAccountLimitsTest {
  private static final String CHAT_A = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  @TempDir
  Path dir;

  @Test
  void anOperatorSetsAnAccountsRequestCapThatShowsAndHoldsThenRemovesIt() throws Exception {
    try (GatewayFixture f = GatewayFixture.start(dir)) {
      Tenant alice = Tenant.create(f, "alice");
      ConsoleHttp operator = new ConsoleHttp(f);
      assertThat(operator.signInAsOperator(f.adminToken).statusCode()).isEqualTo(303);
      String accounts = operator.get("/console/ops/accounts").body();
      assertThat(accounts).contains("Account limits").contains("No limit of its own.");

      HttpResponse<String> set = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/limits",
          Map.of("csrf", ConsoleHttp.csrfOf(accounts), "metric", "requests", "window", "day", "cap", "1"));
      assertThat(set.statusCode()).isEqualTo(303);
      String after = operator.get(set.headers().firstValue("location").orElseThrow()).body();
      assertThat(after).contains("Limit set.").contains("requests per day").contains("1 requests");
      HttpResponse<String> spend = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/limits",
          Map.of("csrf", ConsoleHttp.csrfOf(after), "metric", "spend", "window", "month", "cap", "12.5", "bucket", "RMB"));
      assertThat(operator.get(spend.headers().firstValue("location").orElseThrow()).body()).contains("spend per month")
          .contains("12.500000 CNY");

      assertThat(alice.chatRouted(f, CHAT_A, "").statusCode()).isEqualTo(200);
      HttpResponse<String> refused = alice.chatRouted(f, CHAT_A, "");
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.body()).contains("account_daily_requests");
      assertThat(operator.get("/console/ops/accounts").body()).contains("0 requests"); // nothing remaining

      String limitId = new JsonObject(f.get("/admin/limits?subject=" + alice.accountId(), f.admin()).body()).getJsonArray("data")
          .stream().map(l -> (JsonObject) l).filter(l -> "requests".equals(l.getString("metric"))).findFirst().orElseThrow()
          .getString("id");
      HttpResponse<String> removed = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/limits/" + limitId + "/remove",
          Map.of("csrf", ConsoleHttp.csrfOf(operator.get("/console/ops/accounts").body())));
      assertThat(operator.get(removed.headers().firstValue("location").orElseThrow()).body()).contains("Limit removed.")
          .doesNotContain("requests per day");
      assertThat(alice.chatRouted(f, CHAT_A, "").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aBadCapIsShownAsAnError() throws Exception {
    try (GatewayFixture f = GatewayFixture.start(dir)) {
      Tenant alice = Tenant.create(f, "alice");
      ConsoleHttp operator = new ConsoleHttp(f);
      operator.signInAsOperator(f.adminToken);
      String csrf = ConsoleHttp.csrfOf(operator.get("/console/ops/accounts").body());
      HttpResponse<String> bad = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/limits",
          Map.of("csrf", csrf, "metric", "tokens", "window", "day", "cap", "lots"));
      assertThat(operator.get(bad.headers().firstValue("location").orElseThrow()).body()).contains("notice error")
          .contains("A tokens cap is a whole number, not &#39;lots&#39;.");
      HttpResponse<String> refused = operator.postForm("/console/ops/accounts/" + alice.accountId() + "/limits",
          Map.of("csrf", csrf, "metric", "spend", "window", "day", "cap", "-3", "bucket", "RMB"));
      assertThat(operator.get(refused.headers().firstValue("location").orElseThrow()).body()).contains("notice error");
    }
  }
}

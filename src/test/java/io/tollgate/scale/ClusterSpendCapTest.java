package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three gateways on one PostgreSQL database, 300 concurrent requests spread over them against one route x key spend
 * cap and one small wallet: the spend posted never passes the cap, the balance never goes below zero, every hold is
 * resolved and the ledger verifies clean.
 */
class ClusterSpendCapTest {
  private static final String CHAT = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";
  private static final long CAP_MICROS = 2_000;
  private static final long WALLET_MICROS = 3_000;

  @TempDir
  Path dir;

  @Test
  void postedSpendStaysWithinTheCapAndTheWalletAboveZeroAcrossThreeGateways() throws Exception {
    String url = Postgres.freshSchema("spend_cap");
    GatewayFixture a = GatewayFixture.startPostgres(dir, url, "gw-a");
    List<GatewayFixture> gateways = new ArrayList<>(List.of(a));
    ExecutorService clients = Executors.newFixedThreadPool(30);
    try {
      Tenant t = Tenant.funded(a, "capped", null, "0.003");
      HttpResponse<String> cap = a.post("/v1/limits", "{\"metric\":\"spend\",\"bucket\":\"RMB\",\"cap\":\"0.002\","
          + "\"window\":\"day\",\"model\":\"chat-a\",\"route_type\":\"routed\"}", t.bearer());
      assertThat(cap.statusCode()).as(cap.body()).isEqualTo(201);
      String limitId = new JsonObject(cap.body()).getString("id");
      // the other gateways start after the limit is stored, so they read it at start-up
      gateways.add(a.peer("gw-b"));
      gateways.add(a.peer("gw-c"));

      List<Future<HttpResponse<String>>> responses = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        GatewayFixture g = gateways.get(i % 3);
        responses.add(clients.submit(() -> g.post("/v1/chat/completions", CHAT, "authorization", "Bearer " + t.key(),
            "x-tollgate-route", "routed")));
      }
      long charged = 0;
      int served = 0;
      int refusedByCap = 0;
      for (Future<HttpResponse<String>> r : responses) {
        HttpResponse<String> response = r.get();
        // 504: on a loaded machine the upstream may miss the test channel's first-byte timeout; nothing is charged then
        assertThat(response.statusCode()).as(response.body()).isIn(200, 402, 429, 504);
        if (response.statusCode() == 200) {
          served++;
          charged += Long.parseLong(response.headers().firstValue("x-tollgate-cost").orElseThrow());
        } else if (response.statusCode() == 429) {
          assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code"))
              .isEqualTo("route_key_daily_spend_limit_reached");
          refusedByCap++;
        }
      }

      assertThat(served).isPositive();
      assertThat(refusedByCap).isPositive();
      assertThat(charged).isLessThanOrEqualTo(CAP_MICROS);
      for (GatewayFixture g : gateways) {
        JsonObject rmb = new JsonObject(g.get("/v1/wallet", t.bearer()).body()).getJsonArray("buckets").getJsonObject(1);
        assertThat(rmb.getLong("balance_micros")).isEqualTo(WALLET_MICROS - charged).isNotNegative();
        assertThat(rmb.getLong("held_micros")).as("every hold resolved").isZero();
      }
      JsonObject limits = new JsonObject(a.get("/v1/limits", t.bearer()).body());
      assertThat(limits.encode()).contains(limitId);
      JsonObject verify = new JsonObject(gateways.get(2).get("/admin/ledger/verify", a.admin()).body());
      assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
    } finally {
      clients.shutdownNow();
      for (int i = gateways.size() - 1; i >= 0; i--) {
        gateways.get(i).close();
      }
      Postgres.drop(url);
    }
  }
}

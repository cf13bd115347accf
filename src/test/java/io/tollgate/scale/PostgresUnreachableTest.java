package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.TcpRelay;
import io.tollgate.testing.Wallets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PostgreSQL going away: admission fails closed with 503 before any upstream call, and nothing is left half-written. */
class PostgresUnreachableTest {
  private static final String CHAT = """
      {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""";

  @TempDir
  Path dir;

  @Test
  void admissionFailsClosedWith503BeforeAnyUpstreamCallAndResumesWhenTheDatabaseIsBack() throws Exception {
    String url = Postgres.freshSchema("unreachable");
    Vertx relayVertx = Vertx.vertx();
    TcpRelay relay = TcpRelay.start(relayVertx, "127.0.0.1", 5432);
    String relayed = url.replace("127.0.0.1:5432", "127.0.0.1:" + relay.port());
    GatewayFixture f = GatewayFixture.startPostgres(dir, relayed, "gw-cut");
    try {
      assertThat(f.chat(CHAT).statusCode()).isEqualTo(200);
      long balance = Wallets.balance(f.store, f.project.accountId(), Bucket.RMB);
      long calls = f.upstream.requestCount();

      relay.cut();
      HttpResponse<String> refused = f.chat(CHAT);
      HttpResponse<String> again = f.chat(CHAT);

      for (HttpResponse<String> r : new HttpResponse[] {refused, again}) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo("accounting_unavailable");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
      }
      assertThat(f.upstream.requestCount()).as("no upstream call without a hold").isEqualTo(calls);

      relay.resume();
      assertThat(Wallets.balance(f.store, f.project.accountId(), Bucket.RMB)).isEqualTo(balance);
      JsonObject verify = new JsonObject(f.get("/admin/ledger/verify", f.admin()).body());
      assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
      HttpResponse<String> served = f.chat(CHAT);
      assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    } finally {
      f.close();
      relay.close();
      relayVertx.close();
      Postgres.drop(url);
    }
  }
}

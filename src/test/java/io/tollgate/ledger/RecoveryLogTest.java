package io.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.app.Gateway;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.LoggingConfig;
import io.tollgate.logs.LogSetup;
import io.tollgate.store.Store;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.LogCapture;
import io.tollgate.testing.Wallets;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up recovery says how many holds it voided and for which requests, and their receipts reach the access log. */
class RecoveryLogTest {
  @TempDir
  Path dir;

  @Test
  void namesTheRecoveredRequestsAndLogsTheirInterruptedReceipts() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create(f.url("/v1/chat/completions")))
          .header("authorization", "Bearer " + f.key)
          .header("content-type", "application/json")
          .header("x-mock", "latency_ms=60000")
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < 200 && Wallets.count(f.store, "SELECT COUNT(*) FROM holds WHERE status = 'pending'") < 3; i++) {
      Thread.sleep(50);
    }
    // the crash: the writer stops with the holds open, then the event loops go away
    f.store.close();
    GatewayFixture.await(f.vertx.close());
    inFlight.forEach(call -> call.handle((r, e) -> null).join());

    Vertx vertx = Vertx.vertx();
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.JSON, "info", true));
        Store store = Store.open(dir.resolve("tollgate.db"))) {
      ConfigLoader loader = new ConfigLoader(f.env::get);
      Gateway restarted = GatewayFixture.await(Gateway.start(vertx, new ConfigHolder(loader.load(f.configFile), loader),
          store, 0, Clock.systemUTC()));
      List<String> interrupted = store.read(c -> {
        List<String> ids = new ArrayList<>();
        try (var s = c.createStatement(); var rs = s.executeQuery("SELECT id FROM receipts WHERE outcome = 'interrupted'")) {
          while (rs.next()) {
            ids.add(rs.getString(1));
          }
        }
        return ids;
      });
      assertThat(interrupted).hasSize(3);

      for (int i = 0; i < 100 && logs.json(LogSetup.ACCESS).size() < 3; i++) {
        Thread.sleep(20);
      }
      String warning = logs.json(HoldRecovery.class.getName()).stream().map(l -> l.getString("formattedMessage"))
          .filter(m -> m.startsWith("crash recovery")).findFirst().orElseThrow();
      assertThat(warning).contains("voided 3 hold(s)");
      interrupted.forEach(id -> assertThat(warning).contains(id));
      List<JsonObject> access = logs.json(LogSetup.ACCESS).stream().map(LogCapture::fields).toList();
      assertThat(access).extracting(a -> a.getString("request_id")).containsExactlyInAnyOrderElementsOf(interrupted);
      assertThat(access).allSatisfy(a -> assertThat(a.getMap()).containsEntry("outcome", "interrupted")
          .containsEntry("key", f.key.substring(0, 11)).containsEntry("error", "hold_recovered_on_startup")
          .containsEntry("charged", "false"));
      GatewayFixture.await(restarted.stop());
    } finally {
      GatewayFixture.await(vertx.close());
    }
  }

  @Test
  void namesAtMostTwentyRequestsAndCountsTheRest() {
    List<String> ids = IntStream.range(0, 25).mapToObj(i -> "req_" + i).toList();

    assertThat(HoldRecovery.named(ids)).startsWith("req_0, req_1, ").contains("req_19").doesNotContain("req_20")
        .endsWith(" and 5 more");
    assertThat(HoldRecovery.named(ids.subList(0, 2))).isEqualTo("req_0, req_1");
  }
}

package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.app.Gateway;
import io.tollgate.proxy.ProxyHandler;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From the review (it failed before the fix): a stop that comes between a failed-over request's backup hold and its upstream call answers 503
 * gateway_stopping ("nothing was sent upstream and nothing was charged. Retry the request."). Because an earlier leg
 * had called an upstream (upstreamAttempts() > 0) and the status is not 500, ProxyHandler.fail stores that 503 as
 * the Idempotency-Key's result: a retry with the same key after the restart replays the 503 for 24 hours instead of
 * running. billing.md: a result is kept only when an upstream was called for it, and "the gateway's own internal
 * error" is not replayed. The stop is simulated by closing the proxy's upstream client while the primary is in flight
 * (what Gateway.stop does after undeploying the HTTP server).
 */
class GatewayStoppingReplayTest {
  @TempDir
  Path dir;

  private static final String BODY = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void aGatewayStoppingAnswerIsNotReplayedToARetryWithTheSameKey() throws Exception {
    GatewayFixture f = GatewayFixture.start(dir);
    try {
      CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> f.chat(BODY,
          "x-tollgate-route", "routed", "idempotency-key", "stop-1", "x-mock", "latency_ms=1500,when_model=up-a-routed"));
      long deadline = System.currentTimeMillis() + 10_000;
      while (f.upstream.requestCount("up-a-routed") == 0 && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(200);
      // the gateway is stopping: its upstream client closes (Gateway.stop: undeploy, then proxy.close())
      var field = Gateway.class.getDeclaredField("proxy");
      field.setAccessible(true);
      ((ProxyHandler) field.get(f.gateway)).close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      HttpResponse<String> stopped = first.get(20, TimeUnit.SECONDS);
      assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(503);
      assertThat(new JsonObject(stopped.body()).getJsonObject("error").getString("code")).isEqualTo("gateway_stopping");

      f.restart();

      HttpResponse<String> retried = f.chat(BODY, "x-tollgate-route", "routed", "idempotency-key", "stop-1");
      assertThat(retried.headers().firstValue("x-tollgate-idempotent-replay"))
          .as("the 503 'retry the request' must not be replayed to the retry: " + retried.body()).isEmpty();
      assertThat(retried.statusCode()).isEqualTo(200);
    } finally {
      f.close();
    }
  }
}

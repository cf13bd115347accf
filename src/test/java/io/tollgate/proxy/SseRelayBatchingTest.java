package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Timeouts;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay writes what one upstream read brought in one client write, and never waits for more: each write is a
 * system call, and bursts of events are common once an upstream is fast or the network coalesces its packets.
 */
class SseRelayBatchingTest {
  private static final String CHUNK = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"content\":\"%s\"},\"finish_reason\":%s}]}\n\n";
  private static final String USAGE = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
      + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":3,\"total_tokens\":6}}\n\n";

  private final Vertx vertx = Vertx.vertx();
  private final Map<String, Handler<?>> upstreamHandlers = new HashMap<>();
  private final List<String> clientWrites = new ArrayList<>();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void eventsOfOneReadGoOutInOneWriteAndLaterReadsAreNotHeldBack() {
    Future<String> outcome = relay().run(0);
    Handler<Buffer> data = handler("handler");

    data.handle(Buffer.buffer(CHUNK.formatted("Hel", "null") + CHUNK.formatted("lo", "null")));
    assertThat(clientWrites).hasSize(1);
    assertThat(clientWrites.get(0)).contains("Hel").contains("lo");

    data.handle(Buffer.buffer(CHUNK.formatted("!", "\"stop\"") + USAGE + "data: [DONE]\n\n"));
    assertThat(clientWrites).hasSize(2);
    assertThat(clientWrites.get(1)).contains("!").doesNotContain("usage").doesNotContain("[DONE]");

    this.<Void>handler("endHandler").handle(null);
    assertThat(clientWrites).hasSize(3).last().isEqualTo("data: [DONE]\n\n");
    assertThat(outcome.result()).isEqualTo("ok");
  }

  @Test
  void aStreamBrokenMidReadStillDeliversWhatCameBeforeItThenTheError() {
    Future<String> outcome = relay().run(0);

    this.<Buffer>handler("handler").handle(Buffer.buffer(CHUNK.formatted("partial", "null") + "data: {not json}\n\n"));

    assertThat(outcome.result()).isEqualTo("malformed_response");
    assertThat(String.join("", clientWrites)).contains("partial").contains("upstream_malformed_response");
    assertThat(String.join("", clientWrites).indexOf("partial")).isLessThan(String.join("", clientWrites).indexOf("upstream_malformed"));
  }

  private SseRelay relay() {
    Call call = RelayFakes.streamedCall();
    HttpClientResponse upstreamResponse = RelayFakes.fake(HttpClientResponse.class, (method, args) -> {
      if (method.getName().endsWith("andler") && args != null && args.length == 1) {
        upstreamHandlers.put(method.getName(), (Handler<?>) args[0]);
      }
      return null;
    });
    HttpClientRequest upstreamRequest = RelayFakes.fake(HttpClientRequest.class, (method, args) -> null);
    HttpServerResponse client = RelayFakes.fake(HttpServerResponse.class, (method, args) -> {
      if (method.getName().equals("write") && args.length == 1 && args[0] instanceof Buffer buffer) {
        clientWrites.add(buffer.toString());
      }
      return null;
    });
    return new SseRelay(vertx, call, new UpstreamClient.Exchange(upstreamRequest, upstreamResponse, 0, 0), client,
        Timeouts.DEFAULTS, () -> { });
  }

  @SuppressWarnings("unchecked")
  private <T> Handler<T> handler(String name) {
    return (Handler<T>) upstreamHandlers.get(name);
  }
}

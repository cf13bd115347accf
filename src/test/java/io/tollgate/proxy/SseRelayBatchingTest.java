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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
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
    Call call = new Call("req_test", 0, "chat.completions", null, true);
    call.body = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    call.plan = new io.tollgate.routing.RoutePlan(new io.tollgate.config.CatalogModel("m", "test", 128_000, 4_096,
        Map.of(), false), null, List.of());
    call.demand = new io.tollgate.pricing.Demand(1, 17, 17, 4_096, 4_096, 4_096);
    HttpClientResponse upstreamResponse = fake(HttpClientResponse.class, (method, args) -> {
      if (method.getName().endsWith("andler") && args != null && args.length == 1) {
        upstreamHandlers.put(method.getName(), (Handler<?>) args[0]);
      }
      return null;
    });
    HttpClientRequest upstreamRequest = fake(HttpClientRequest.class, (method, args) -> null);
    HttpServerResponse client = fake(HttpServerResponse.class, (method, args) -> {
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

  /** An implementation of {@code type} whose fluent methods return itself, futures succeed, and booleans are false. */
  @SuppressWarnings("unchecked")
  private static <T> T fake(Class<T> type, BiFunction<Method, Object[], Object> calls) {
    Object[] self = new Object[1];
    self[0] = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      Object answer = calls.apply(method, args);
      if (answer != null) {
        return answer;
      }
      Class<?> returns = method.getReturnType();
      if (returns.isInstance(proxy)) {
        return proxy;
      }
      if (returns == Future.class) {
        return Future.succeededFuture();
      }
      if (returns == boolean.class) {
        return false;
      }
      if (returns == int.class || returns == long.class) {
        return returns == int.class ? (Object) 0 : (Object) 0L;
      }
      return null;
    });
    return (T) self[0];
  }
}

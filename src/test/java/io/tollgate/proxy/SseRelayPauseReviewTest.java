package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Timeouts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The relay's pause for a slow client, probed by the review of d4d9552 on one Vert.x context as the gateway runs it. */
class SseRelayPauseReviewTest {
  private static final String CHUNK = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"content\":\"%s\"},\"finish_reason\":%s}]}\n\n";

  private final Vertx vertx = Vertx.vertx();
  private final Context ctx = vertx.getOrCreateContext();
  private final Map<String, Handler<?>> upstreamHandlers = new ConcurrentHashMap<>();
  private final List<String> upstreamCalls = new CopyOnWriteArrayList<>();
  private final List<String> clientWrites = new CopyOnWriteArrayList<>();
  private final AtomicBoolean queueFull = new AtomicBoolean();
  private volatile Handler<Void> drain;
  private Call call;

  @AfterEach
  void close() {
    vertx.close();
  }

  /**
   * The upstream (or a proxy/LB in front of it, or its own write timeout) drops a connection the gateway has held
   * paused for minutes on behalf of a slow client: that is the client's doing, like the idle silence the commit stops
   * blaming, yet it ends as stream_broken, which ProxyHandler counts as a channel failure (health.failure, breaker).
   */
  @Test
  void anUpstreamDropWhileHeldPausedForTheClientIsNotTheChannelsFailure() throws Exception {
    Future<String> outcome = on(() -> relay(new Timeouts(1_000, 1_000, 100, 60_000)).run(0));
    queueFull.set(true);
    on(() -> data(CHUNK.formatted("Hel", "null")));
    assertThat(upstreamCalls).contains("pause");

    Thread.sleep(300); // paused past the idle timeout: nothing fires, as the commit wants
    assertThat(outcome.isComplete()).isFalse();
    on(() -> { this.<Throwable>handler("exceptionHandler").handle(new io.vertx.core.http.HttpClosedException("Connection was closed")); return null; });

    assertThat(outcome.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .as("the upstream connection was idle only because the gateway held it paused for the client")
        .isIn("client_too_slow", "client_disconnected");
  }

  /** Sanity: the designed path. Total runs out while paused: client_too_slow once, upstream reset, no resume after. */
  @Test
  void totalWhilePausedEndsTooSlowOnceAndALaterDrainDoesNotResume() throws Exception {
    Future<String> outcome = on(() -> relay(new Timeouts(1_000, 1_000, 100, 400)).run(0));
    queueFull.set(true);
    on(() -> data(CHUNK.formatted("Hel", "null")));
    assertThat(outcome.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo("client_too_slow");
    assertThat(String.join("", clientWrites)).contains("client_too_slow");
    assertThat(upstreamCalls.stream().filter("reset"::equals)).hasSize(1);
    assertThat(call.usage).as("prompt plus what was received, estimated").isNotNull();
    queueFull.set(false);
    on(() -> { drain.handle(null); return null; });
    assertThat(upstreamCalls).doesNotContain("resume");
  }

  /** Sanity: pause, then the client leaves: client_disconnected once, upstream reset, no timer fires later. */
  @Test
  void clientLeavingWhilePausedEndsOnceAndNothingFiresAfter() throws Exception {
    Future<String> outcome = on(() -> relay(new Timeouts(1_000, 1_000, 100, 400)).run(0));
    queueFull.set(true);
    on(() -> data(CHUNK.formatted("Hel", "null")));
    on(() -> { call.left.tryComplete(); return null; });
    assertThat(outcome.result()).isEqualTo("client_disconnected");
    int writes = clientWrites.size();
    Thread.sleep(600);
    assertThat(clientWrites).hasSize(writes);
    assertThat(upstreamCalls.stream().filter("reset"::equals)).hasSize(1);
  }

  private Void data(String text) {
    this.<Buffer>handler("handler").handle(Buffer.buffer(text));
    return null;
  }

  private <T> T on(Supplier<T> work) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      try {
        done.complete(work.get());
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done.get(5, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  private SseRelay relay(Timeouts timeouts) {
    call = RelayFakes.streamedCall();
    HttpClientResponse upstreamResponse = RelayFakes.fake(HttpClientResponse.class, (method, args) -> {
      if (method.getName().endsWith("andler") && args != null && args.length == 1) {
        upstreamHandlers.put(method.getName(), (Handler<?>) args[0]);
      }
      if (method.getName().equals("pause") || method.getName().equals("resume")) {
        upstreamCalls.add(method.getName());
      }
      return null;
    });
    HttpClientRequest upstreamRequest = RelayFakes.fake(HttpClientRequest.class, (method, args) -> {
      if (method.getName().equals("reset")) {
        upstreamCalls.add("reset");
      }
      return null;
    });
    HttpServerResponse client = RelayFakes.fake(HttpServerResponse.class, (method, args) -> {
      switch (method.getName()) {
        case "write" -> {
          if (args.length == 1 && args[0] instanceof Buffer buffer) {
            clientWrites.add(buffer.toString());
          }
        }
        case "writeQueueFull" -> {
          return queueFull.get();
        }
        case "drainHandler" -> drain = (Handler<Void>) args[0];
        default -> { }
      }
      return null;
    });
    return new SseRelay(vertx, call, new UpstreamClient.Exchange(upstreamRequest, upstreamResponse, 0, 0), client,
        timeouts, () -> { });
  }

  @SuppressWarnings("unchecked")
  private <T> Handler<T> handler(String name) {
    return (Handler<T>) upstreamHandlers.get(name);
  }
}

package io.tollgate.mock;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Objects;

/**
 * A simulated OpenAI-compatible upstream on 127.0.0.1, serving {@code POST /v1/chat/completions},
 * {@code POST /v1/embeddings} and {@code GET /v1/models}. Replies are deterministic filler; how a
 * request fails or slows down is scripted per request by its {@code x-mock} header:
 *
 * <ul>
 *   <li>{@code status=N} answer with that 4xx/5xx and an OpenAI error body;
 *       {@code retry_after=S} adds a Retry-After header;
 *   <li>{@code latency_ms=N} wait before the first byte; {@code tps=N} pace streamed tokens;
 *   <li>{@code timeout=true} never answer; {@code drop_after=N} close the connection after N
 *       streamed chunks; {@code error_after=N} send an error event after N streamed chunks and
 *       end the stream without {@code [DONE]} (unstreamed: a 200 whose body is that error);
 *   <li>{@code no_usage=true} omit usage; {@code malformed=true} send a body that is not JSON;
 *   <li>{@code tokens=N} produce N completion tokens, still capped by max_tokens unless
 *       {@code ignore_max_tokens=true};
 *   <li>{@code usage=openai|empty|anthropic|prompt_only|none} the usage object's shape, and
 *       {@code prompt_tokens=N}, {@code completion_tokens=N}, {@code cached_tokens=N} counts that
 *       lie (any integer, negative or huge), for tests of an upstream that misreports;
 *   <li>{@code when_model=X} apply the rest only to requests for model X; groups separated by
 *       {@code |} script several models in one header.
 * </ul>
 *
 * <p>Every request needs an {@code Authorization: Bearer} header with any value. One word counts as
 * one token, so tests can predict usage.
 */
public final class MockUpstream {

  private final HttpServer server;
  private final RequestCounts counts;

  private MockUpstream(HttpServer server, RequestCounts counts) {
    this.server = server;
    this.counts = counts;
  }

  /** Starts listening on 127.0.0.1; port 0 picks a free port, see {@link #port()}. */
  public static Future<MockUpstream> start(Vertx vertx, int port) {
    Objects.requireNonNull(vertx, "vertx");
    if (port < 0 || port > 65_535) {
      return Future.failedFuture(
          new IllegalArgumentException("port: " + port + " (expected: 0..65535)"));
    }
    RequestCounts counts = new RequestCounts();
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(new MockRouter(vertx, counts))
        .listen()
        .map(server -> new MockUpstream(server, counts));
  }

  public int port() {
    return server.actualPort();
  }

  /** The base URL an OpenAI client is configured with: {@code http://127.0.0.1:<port>/v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** Requests received on the chat and embeddings endpoints, failed and rejected ones included. */
  public long requestCount() {
    return counts.total();
  }

  /** Requests received whose body named this {@code model}. */
  public long requestCount(String upstreamModel) {
    return counts.of(upstreamModel);
  }

  public void resetCounts() {
    counts.reset();
  }

  /** Stops listening and closes open connections, including ones held by {@code timeout=true}. */
  public Future<Void> close() {
    return server.close();
  }
}

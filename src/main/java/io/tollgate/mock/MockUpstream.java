package io.tollgate.mock;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A simulated upstream on 127.0.0.1, serving OpenAI's {@code POST /v1/chat/completions},
 * {@code POST /v1/embeddings} and {@code GET /v1/models}, Anthropic's {@code POST /v1/messages}, and Gemini's
 * {@code POST /v1beta/models/{model}:generateContent} and {@code :streamGenerateContent} (also under {@code /v1}). Replies are deterministic filler; how a
 * request fails, slows down or misreports its usage is scripted per request by its {@code x-mock} header,
 * for example {@code x-mock: status=503,when_model=a | tps=20}: {@link #SETTINGS} lists every setting.
 *
 * <p>Every request needs its protocol's credential header with any value: {@code Authorization: Bearer},
 * {@code x-api-key} (with {@code anthropic-version}) or {@code x-goog-api-key}; errors come in that protocol's shape. One word counts as
 * one token, so tests can predict usage.
 */
public final class MockUpstream {
  /** One {@code x-mock} setting: the form of its value and what it does. */
  public record Setting(String value, String effect) {}

  /**
   * Every setting the {@code x-mock} header accepts, by key, in the order help lists them. Settings are
   * {@code key=value}, separated by commas or semicolons; groups separated by {@code |} script several models at
   * once. The header parser accepts exactly these keys, so this list is the mock's whole vocabulary.
   */
  public static final Map<String, Setting> SETTINGS = settings(
      "status", "N", "answer with that 4xx/5xx status (400..599) and an OpenAI error body",
      "retry_after", "S", "with status: a Retry-After header of S seconds",
      "latency_ms", "N", "wait N ms before the first byte, headers included",
      "tps", "N", "pace streamed chunks at N tokens per second",
      "timeout", "true", "accept the request and never answer",
      "drop_after", "N", "close the connection after N streamed chunks",
      "error_after", "N", "after N streamed chunks send an error event and end without [DONE]"
          + " (unstreamed: a 200 whose body is that error)",
      "no_usage", "true", "leave usage out of the answer",
      "malformed", "true", "answer 200 with a body that is not JSON",
      "tokens", "N", "produce N completion tokens, still capped by the request's max_tokens",
      "ignore_max_tokens", "true", "produce tokens past the request's max_tokens, as a careless upstream would",
      "usage", "SHAPE", "the usage object's shape: openai (default), empty, anthropic, prompt_only or none",
      "prompt_tokens", "N", "report N prompt tokens instead of the true count (any integer, negative or huge)",
      "completion_tokens", "N", "report N completion tokens instead of the true count (any integer)",
      "cached_tokens", "N", "report N cached prompt tokens under prompt_tokens_details (any integer)",
      "cache_write_tokens", "N", "report N prompt tokens written to the cache, as cache_creation_input_tokens (any integer)",
      "echo_auth", "true", "echo the request's Authorization header into error messages, error events and the"
          + " answer's text, as a relay that leaks its caller's credential would",
      "when_model", "X", "apply the rest of the group only to requests for upstream model X");

  private static Map<String, Setting> settings(String... table) {
    Map<String, Setting> out = new LinkedHashMap<>();
    for (int i = 0; i < table.length; i += 3) {
      out.put(table[i], new Setting(table[i + 1], table[i + 2]));
    }
    return Collections.unmodifiableMap(out);
  }

  private final HttpServer server;
  private final RequestCounts counts;

  private MockUpstream(HttpServer server, RequestCounts counts) {
    this.server = server;
    this.counts = counts;
  }

  /** Starts listening on 127.0.0.1; port 0 picks a free port, see {@link #port()}. Usage counts words. */
  public static Future<MockUpstream> start(Vertx vertx, int port) {
    return start(vertx, port, Counting.WORDS);
  }

  /** Starts listening on 127.0.0.1, reporting usage counted as {@code counting} says. */
  public static Future<MockUpstream> start(Vertx vertx, int port, Counting counting) {
    Objects.requireNonNull(counting, "counting");
    Objects.requireNonNull(vertx, "vertx");
    if (port < 0 || port > 65_535) {
      return Future.failedFuture(
          new IllegalArgumentException("port: " + port + " (expected: 0..65535)"));
    }
    RequestCounts counts = new RequestCounts();
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .requestHandler(new MockRouter(vertx, counts, counting))
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

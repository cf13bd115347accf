package io.tollgate.mock;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * Serves every request in the same steps: read the body, count it, authenticate, validate, read
 * {@code x-mock}, wait out the latency, then answer as scripted. Endpoints only prepare the reply.
 */
final class MockRouter implements Handler<HttpServerRequest> {

  /** Prepares the normal reply for a valid body, or throws a {@link MockFailure}. */
  @FunctionalInterface
  private interface Endpoint {
    Reply plan(JsonObject body, MockSettings settings);
  }

  private record Exchange(MockSettings settings, Reply reply, Wire wire) {
  }

  private final Vertx vertx;
  private final RequestCounts counts;
  private final Counting counting;

  MockRouter(Vertx vertx, RequestCounts counts, Counting counting) {
    this.vertx = vertx;
    this.counts = counts;
    this.counting = counting;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String route = request.method().name() + " " + request.path();
    switch (route) {
      case "POST /v1/chat/completions" -> serve(request, true, Wire.OPENAI, this::chat);
      case "POST /v1/messages" -> serve(request, true, Wire.ANTHROPIC, this::messages);
      case "POST /v1/embeddings" -> serve(request, true, Wire.OPENAI,
          (body, settings) -> new Reply.Json(Embeddings.reply(body, settings, counting)));
      case "GET /v1/models" -> serve(request, false, Wire.OPENAI,
          (body, settings) -> new Reply.Json(Models.reply()));
      default -> {
        String geminiModel = request.method().name().equals("POST") ? GeminiContent.model(request.path()) : null;
        if (geminiModel == null) {
          Replies.fail(request.response(), MockFailure.notFound(route), Wire.OPENAI);
        } else {
          boolean stream = GeminiContent.streams(request.path());
          serve(request, true, Wire.GEMINI, (body, settings) -> gemini(GeminiContent.parse(geminiModel, stream, body, counting), settings));
        }
      }
    }
  }

  private Reply messages(JsonObject body, MockSettings settings) {
    ChatRequest request = AnthropicMessages.parse(body, counting);
    ChatReply reply = ChatReply.plan(request, settings, counting);
    return request.stream() ? new Reply.Stream(AnthropicMessages.events(reply)) : new Reply.Json(AnthropicMessages.message(reply));
  }

  private Reply gemini(ChatRequest request, MockSettings settings) {
    ChatReply reply = ChatReply.plan(request, settings, counting);
    return request.stream() ? new Reply.Stream(GeminiContent.events(reply)) : new Reply.Json(GeminiContent.response(reply));
  }

  private Reply chat(JsonObject body, MockSettings settings) {
    ChatRequest request = ChatRequest.parse(body, counting);
    ChatReply reply = ChatReply.plan(request, settings, counting);
    if (!request.stream()) {
      return new Reply.Json(reply.completionJson());
    }
    return new Reply.Stream(settings.malformed()
        ? ChatChunks.malformed(reply) : ChatChunks.script(reply, request.includeUsage()));
  }

  private void serve(HttpServerRequest request, boolean hasBody, Wire wire, Endpoint endpoint) {
    HttpServerResponse response = request.response();
    request.body()
        .map(buffer -> accept(request, buffer, hasBody, wire, endpoint))
        .compose(exchange -> pause(response, exchange.settings().latencyMs()).map(exchange))
        .onSuccess(exchange -> answer(response, exchange))
        .onFailure(failure -> Replies.fail(response, failure, wire));
  }

  private Exchange accept(HttpServerRequest request, Buffer buffer, boolean hasBody, Wire wire,
      Endpoint endpoint) {
    Object json = hasBody ? decode(buffer) : new JsonObject();
    String model = wire == Wire.GEMINI ? GeminiContent.model(request.path())
        : json instanceof JsonObject body && body.getValue("model") instanceof String named ? named : null;
    if (hasBody) {
      // Counted before any check: a test asking "did the upstream get called?" means on the wire.
      counts.record(model);
    }
    wire.authenticate(request);
    if (!(json instanceof JsonObject body)) {
      throw MockFailure.invalidRequest("The request body is not a valid JSON object.", null);
    }
    MockSettings settings = MockSettings.forRequest(request.headers().getAll(MockSettings.HEADER), model)
        .echoing(request.getHeader(wire.credentialHeader()));
    return new Exchange(settings, endpoint.plan(body, settings), wire);
  }

  private static Object decode(Buffer buffer) {
    try {
      return Json.decodeValue(buffer);
    } catch (DecodeException notJson) {
      return null;
    }
  }

  private Future<Void> pause(HttpServerResponse response, long delayMs) {
    if (delayMs == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    long timerId = vertx.setTimer(delayMs, fired -> promise.tryComplete());
    response.closeHandler(closed -> {
      vertx.cancelTimer(timerId);
      promise.tryFail("client closed the connection during latency_ms");
    });
    return promise.future();
  }

  private void answer(HttpServerResponse response, Exchange exchange) {
    MockSettings settings = exchange.settings();
    if (settings.timeout()) {
      return; // Hold the connection: the client gives up, or closing the server ends it.
    }
    if (settings.status().isPresent()) {
      Replies.scriptedError(response, settings, exchange.wire());
    } else if (exchange.reply() instanceof Reply.Stream stream) {
      SsePlayer.play(vertx, response, stream.script(), settings, exchange.wire());
    } else if (settings.malformed()) {
      Replies.malformed(response);
    } else if (settings.errorAfter().isPresent()) {
      Replies.errorInOk(response, settings, exchange.wire());
    } else if (settings.dropAfter().isPresent()) {
      response.reset(); // Without a stream to cut, the connection closes before any byte.
    } else {
      Replies.json(response, 200, ((Reply.Json) exchange.reply()).body());
    }
  }
}

package io.tollgate.mock;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The one place that writes complete, non-streamed responses, so every error has one shape. */
final class Replies {

  private Replies() {
  }

  static void json(HttpServerResponse response, int status, JsonObject body) {
    if (response.closed()) {
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }

  /** Renders any failure; one that strikes mid-stream can only end the stream abruptly. */
  static void fail(HttpServerResponse response, Throwable failure, Wire wire) {
    if (response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    MockFailure mockFailure = failure instanceof MockFailure known
        ? known : MockFailure.internal(failure);
    json(response, mockFailure.status(), wire.error(mockFailure));
  }

  static void scriptedError(HttpServerResponse response, MockSettings settings, Wire wire) {
    if (response.closed()) {
      return;
    }
    settings.retryAfterSeconds().ifPresent(seconds ->
        response.putHeader("Retry-After", Integer.toString(seconds)));
    MockFailure failure = MockFailure.scripted(settings.status().orElseThrow()).echoed(settings);
    json(response, failure.status(), wire.error(failure));
  }

  /** A 200 whose body is an OpenAI error and nothing else: no choices, no usage. */
  static void errorInOk(HttpServerResponse response, MockSettings settings, Wire wire) {
    json(response, 200, wire.error(MockFailure.overloaded().echoed(settings)));
  }

  /** A 200 that claims to be JSON but is cut off mid-object, as a broken upstream would send. */
  static void malformed(HttpServerResponse response) {
    if (response.closed()) {
      return;
    }
    response.setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .end("{\"id\":\"chatcmpl-malformed\",\"object\":\"chat.completion\",\"choices\":[{\"mess");
  }
}

package io.tollgate.mock;

import io.vertx.core.json.JsonObject;

/** The answer an endpoint prepares before scripted behaviour decides whether it is sent. */
sealed interface Reply {

  /** One JSON body with status 200. */
  record Json(JsonObject body) implements Reply {
  }

  /** A server-sent event stream. */
  record Stream(SseScript script) implements Reply {
  }
}

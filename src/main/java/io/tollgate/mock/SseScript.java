package io.tollgate.mock;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The frames of one server-sent event stream, in order. Frames in {@code [bodyFrom, bodyTo)} carry
 * the generated output: they are the ones paced by {@code tps} and counted by {@code drop_after}
 * and {@code error_after}.
 *
 * @param frames complete SSE frames, each ending in a blank line
 * @param bodyFrom index of the first output frame
 * @param bodyTo index after the last output frame
 */
record SseScript(List<String> frames, int bodyFrom, int bodyTo) {

  static final String DONE = "data: [DONE]\n\n";

  SseScript {
    frames = List.copyOf(frames);
    if (bodyFrom < 0 || bodyFrom > bodyTo || bodyTo > frames.size()) {
      throw new IllegalArgumentException("body: [" + bodyFrom + ", " + bodyTo + ") (expected: "
          + "within [0, " + frames.size() + "])");
    }
  }

  static String frame(JsonObject event) {
    return "data: " + event.encode() + "\n\n";
  }

  boolean isBody(int index) {
    return index >= bodyFrom && index < bodyTo;
  }
}

package io.tollgate.proxy;

import io.tollgate.config.Redactor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the channels' credentials out of a relayed chat stream. Each chunk's strings are scrubbed as decoded
 * ({@link Redactor#scrub}), and the streamed text of every choice (its content, and each tool call's arguments) is
 * treated as one running text: characters at the end of a piece that could begin a credential are held back until
 * the next piece of the same text shows whether it completes one, so a credential split across chunks is masked
 * whole. Held text goes out with the next piece, with the choice's finish, or at the stream's end.
 */
final class StreamScrubber {
  private final Redactor redactor;
  /** Held-back text by stream position: "choice" or "choice/tool". */
  private final Map<String, String> held = new HashMap<>();

  StreamScrubber(Redactor redactor) {
    this.redactor = redactor;
  }

  /** Scrubs {@code chunk} in place; true when it changed (the caller then re-encodes it). */
  boolean scrub(JsonObject chunk) {
    boolean changed = redactor.scrub(chunk);
    JsonArray choices = chunk.getValue("choices") instanceof JsonArray list ? list : null;
    if (choices == null) {
      return changed;
    }
    for (Object c : choices) {
      if (!(c instanceof JsonObject choice) || !(choice.getValue("delta") instanceof JsonObject delta)) {
        continue;
      }
      String at = String.valueOf(choice.getValue("index"));
      boolean finishing = choice.getValue("finish_reason") != null;
      changed |= piece(delta, "content", at, finishing);
      if (delta.getValue("tool_calls") instanceof JsonArray calls) {
        for (Object t : calls) {
          if (t instanceof JsonObject call && call.getValue("function") instanceof JsonObject function) {
            changed |= piece(function, "arguments", at + "/" + call.getValue("index"), finishing);
          }
        }
      }
      if (finishing) {
        changed |= flushInto(delta, at);
      }
    }
    return changed;
  }

  /** Text still held at the end of the stream, by choice index, for one last chunk; empty when none. */
  Map<String, String> rest() {
    Map<String, String> out = new HashMap<>();
    held.forEach((at, text) -> {
      if (!text.isEmpty() && !at.contains("/")) {
        out.put(at, text);
      }
    });
    held.clear();
    return out;
  }

  private boolean piece(JsonObject holder, String field, String at, boolean finishing) {
    if (!(holder.getValue(field) instanceof String text)) {
      return false;
    }
    String combined = redactor.secrets(held.getOrDefault(at, "") + text);
    int keep = finishing ? 0 : redactor.pendingSuffix(combined);
    held.put(at, combined.substring(combined.length() - keep));
    String out = combined.substring(0, combined.length() - keep);
    if (out.equals(text)) {
      return false;
    }
    holder.put(field, out);
    return true;
  }

  /** A choice that finishes takes its held content along (its delta may have had no content of its own). */
  private boolean flushInto(JsonObject delta, String at) {
    String rest = held.remove(at);
    if (rest == null || rest.isEmpty()) {
      return false;
    }
    delta.put("content", (delta.getValue("content") instanceof String s ? s : "") + rest);
    return true;
  }
}

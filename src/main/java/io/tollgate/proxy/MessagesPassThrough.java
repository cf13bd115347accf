package io.tollgate.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What a Messages body passed through to an Anthropic leg carries beyond its chat translation, which sizes the hold:
 * documents given as text, thinking blocks of earlier turns, server tool definitions and other blocks the translation
 * drops. Their tokens join the hold's prompt, so an upstream reading them never bills past what was held. A body
 * carrying what cannot be counted before the call (a document as base64 or a URL, a non-text block inside a tool
 * result) is not passed through: it is sent as translated, without those blocks, as to any other kind of leg.
 */
final class MessagesPassThrough {
  /** The answer of {@link #uncountedTokens} for a body that must not be passed through. */
  static final long NOT_PASSABLE = -1;

  private MessagesPassThrough() {}

  /** Tokens the body carries beyond its translation, or {@link #NOT_PASSABLE}. */
  static long uncountedTokens(JsonObject body) {
    long extra = 0;
    if (body.getValue("tools") instanceof JsonArray tools) {
      for (Object t : tools) {
        if (t instanceof JsonObject tool && tool.getValue("type") != null && !"custom".equals(tool.getValue("type"))) {
          extra += UsageReader.count(tool.encode());
        }
      }
    }
    if (body.getValue("system") instanceof JsonArray system) {
      long more = blocks(system, false);
      if (more < 0) {
        return NOT_PASSABLE;
      }
      extra += more;
    }
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (Object m : messages) {
        if (m instanceof JsonObject message && message.getValue("content") instanceof JsonArray content) {
          long more = blocks(content, false);
          if (more < 0) {
            return NOT_PASSABLE;
          }
          extra += more;
        }
      }
    }
    return extra;
  }

  /** The uncounted tokens of {@code blocks}; {@code inToolResult}: inside a tool result, only text is translated. */
  private static long blocks(JsonArray blocks, boolean inToolResult) {
    long extra = 0;
    for (Object b : blocks) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      String type = String.valueOf(block.getValue("type"));
      switch (type) {
        case "text" -> { }
        case "image", "tool_use" -> {
          if (inToolResult) {
            return NOT_PASSABLE;
          }
        }
        case "tool_result" -> {
          if (block.getValue("content") instanceof JsonArray inner) {
            long more = blocks(inner, true);
            if (more < 0) {
              return NOT_PASSABLE;
            }
            extra += more;
          }
        }
        case "document" -> {
          JsonObject source = block.getJsonObject("source");
          if (source == null || !"text".equals(source.getValue("type")) || !(source.getValue("data") instanceof String data)) {
            return NOT_PASSABLE;
          }
          extra += UsageReader.count(data) + UsageReader.count(block.copy().put("source", new JsonObject()).encode());
        }
        case "thinking" -> extra += UsageReader.count(String.valueOf(block.getValue("thinking")));
        // anything else the translation does not carry: counted whole, as its JSON (a generous count)
        default -> extra += UsageReader.count(block.encode());
      }
    }
    return extra;
  }
}

package io.tollgate.providers.anthropic;

import io.tollgate.providers.ChatChunk;
import io.tollgate.providers.UpstreamProtocol;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's stream events as OpenAI chunks. {@code message_start} opens the reply (and carries the prompt's
 * usage), text deltas become content, a {@code tool_use} block becomes a tool call whose arguments arrive in
 * {@code input_json_delta} pieces, and {@code message_delta} ends the choice and carries the output count: it
 * becomes the finish chunk and the usage chunk. An {@code error} event becomes an error, as OpenAI relays send one.
 */
final class AnthropicStream implements UpstreamProtocol.StreamTranslator {
  private final long created;
  private ChatChunk chunk = new ChatChunk(null, null, 0);
  /** The prompt's counts from {@code message_start}: {@code message_delta} may report only the output. */
  private JsonObject startUsage;
  /** Tool call index by content block index. */
  private final Map<Integer, Integer> tools = new HashMap<>();

  AnthropicStream(long created) {
    this.created = created;
  }

  @Override
  public List<JsonObject> chunks(JsonObject event) {
    String type = event.getString("type");
    if (type == null) {
      throw new IllegalArgumentException("an event without a type");
    }
    return switch (type) {
      case "message_start" -> start(event.getJsonObject("message"));
      case "content_block_start" -> blockStart(event);
      case "content_block_delta" -> delta(event);
      case "message_delta" -> messageDelta(event);
      case "error" -> {
        JsonObject error = event.getJsonObject("error", new JsonObject());
        yield List.of(ChatChunk.error(error.getString("type", "api_error"), error.getString("message", "upstream error")));
      }
      // content_block_stop, message_stop, ping and event types added later carry nothing a chunk needs
      default -> List.of();
    };
  }

  private List<JsonObject> start(JsonObject message) {
    if (message == null) {
      throw new IllegalArgumentException("message_start without a message");
    }
    chunk = new ChatChunk(message.getString("id"), message.getString("model"), created);
    startUsage = message.getJsonObject("usage");
    return List.of(chunk.delta(new JsonObject().put("role", "assistant").put("content", "")));
  }

  private List<JsonObject> blockStart(JsonObject event) {
    JsonObject block = event.getJsonObject("content_block", new JsonObject());
    if (!"tool_use".equals(block.getValue("type"))) {
      return List.of();
    }
    int tool = tools.size();
    tools.put(event.getInteger("index", 0), tool);
    return List.of(chunk.toolCallStart(tool, block.getString("id"), block.getString("name")));
  }

  private List<JsonObject> delta(JsonObject event) {
    JsonObject delta = event.getJsonObject("delta", new JsonObject());
    String type = delta.getString("type", "");
    if (type.equals("text_delta") && delta.getValue("text") instanceof String text) {
      return List.of(chunk.delta(new JsonObject().put("content", text)));
    }
    if (type.equals("input_json_delta") && delta.getValue("partial_json") instanceof String json && !json.isEmpty()) {
      Integer tool = tools.get(event.getInteger("index", 0));
      if (tool == null) {
        throw new IllegalArgumentException("input_json_delta for a block that is no tool_use");
      }
      return List.of(chunk.toolArguments(tool, json));
    }
    // thinking and signature deltas are not part of an OpenAI completion
    return List.of();
  }

  private List<JsonObject> messageDelta(JsonObject event) {
    JsonObject delta = event.getJsonObject("delta", new JsonObject());
    JsonObject finish = chunk.finish(AnthropicUsage.finishReason(delta.getString("stop_reason")));
    JsonObject usage = AnthropicUsage.toChat(event.getJsonObject("usage"), startUsage);
    return usage == null ? List.of(finish) : List.of(finish, chunk.usage(usage));
  }
}

package io.tollgate.providers.anthropic;

import io.tollgate.http.ApiException;
import io.tollgate.providers.ClientDialect;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * OpenAI chunks as the events of a Messages stream: {@code message_start} with the first chunk, a content block
 * per run of text and per tool call (its arguments as {@code input_json_delta}), and at the end
 * {@code message_delta} with the stop reason and the usage (which OpenAI reports last) then {@code message_stop}.
 */
final class MessagesStream implements ClientDialect.StreamWriter {
  private final String model;
  private boolean started;
  /** The open content block's index, or -1. */
  private int open = -1;
  private boolean openIsText;
  private int blocks;
  /** Content block index by OpenAI tool call index. */
  private final Map<Integer, Integer> toolBlocks = new HashMap<>();
  private String stopReason;
  private JsonObject usage;

  MessagesStream(String model) {
    this.model = model;
  }

  @Override
  public Buffer chunk(JsonObject chunk, String encoded) {
    Buffer out = Buffer.buffer();
    start(out, chunk.getString("id"));
    if (chunk.getValue("usage") instanceof JsonObject reported) {
      usage = reported;
    }
    JsonArray choices = chunk.getJsonArray("choices");
    JsonObject choice = choices == null || choices.isEmpty() ? null : choices.getJsonObject(0);
    if (choice == null || choice.getInteger("index", 0) != 0) {
      return out;
    }
    JsonObject delta = choice.getJsonObject("delta", new JsonObject());
    if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
      if (open < 0 || !openIsText) {
        open(out, new JsonObject().put("type", "text").put("text", ""), true);
      }
      event(out, "content_block_delta", new JsonObject().put("index", open)
          .put("delta", new JsonObject().put("type", "text_delta").put("text", text)));
    }
    if (delta.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object c : calls) {
        if (c instanceof JsonObject call) {
          tool(out, call);
        }
      }
    }
    if (choice.getValue("finish_reason") instanceof String finish) {
      stopReason = MessagesAnswer.stopReason(finish);
      close(out);
    }
    return out;
  }

  private void tool(Buffer out, JsonObject call) {
    int index = call.getInteger("index", 0);
    JsonObject function = call.getJsonObject("function", new JsonObject());
    if (call.getValue("id") != null || !toolBlocks.containsKey(index)) {
      open(out, new JsonObject().put("type", "tool_use").put("id", call.getValue("id"))
          .put("name", function.getValue("name")).put("input", new JsonObject()), false);
      toolBlocks.put(index, open);
    }
    if (function.getValue("arguments") instanceof String arguments && !arguments.isEmpty()) {
      event(out, "content_block_delta", new JsonObject().put("index", toolBlocks.get(index))
          .put("delta", new JsonObject().put("type", "input_json_delta").put("partial_json", arguments)));
    }
  }

  @Override
  public Buffer done() {
    Buffer out = Buffer.buffer();
    start(out, null);
    close(out);
    JsonObject counts = MessagesAnswer.usage(usage);
    event(out, "message_delta", new JsonObject()
        .put("delta", new JsonObject().put("stop_reason", stopReason == null ? "end_turn" : stopReason).put("stop_sequence", null))
        .put("usage", counts));
    event(out, "message_stop", new JsonObject());
    return out;
  }

  @Override
  public Buffer error(ApiException error) {
    Buffer out = Buffer.buffer();
    event(out, "error", AnthropicErrors.body(error));
    return out;
  }

  private void start(Buffer out, String id) {
    if (started) {
      return;
    }
    started = true;
    event(out, "message_start", new JsonObject().put("message", new JsonObject()
        .put("id", MessagesAnswer.messageId(id)).put("type", "message").put("role", "assistant").put("model", model)
        .put("content", new JsonArray()).put("stop_reason", null).put("stop_sequence", null)
        .put("usage", MessagesAnswer.usage(null))));
  }

  private void open(Buffer out, JsonObject block, boolean text) {
    close(out);
    open = blocks++;
    openIsText = text;
    event(out, "content_block_start", new JsonObject().put("index", open).put("content_block", block));
  }

  private void close(Buffer out) {
    if (open >= 0) {
      event(out, "content_block_stop", new JsonObject().put("index", open));
      open = -1;
    }
  }

  private static void event(Buffer out, String type, JsonObject body) {
    JsonObject typed = new JsonObject().put("type", type).mergeIn(body);
    out.appendString("event: " + type + "\ndata: " + typed.encode() + "\n\n");
  }
}

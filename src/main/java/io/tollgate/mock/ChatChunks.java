package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a {@link ChatReply} as the chunk sequence OpenAI streams: a role chunk, one chunk per
 * token (or the tool call in two chunks), a finish chunk with an empty delta, an optional usage
 * chunk with no choices, and {@code [DONE]}.
 */
final class ChatChunks {

  private final ChatReply reply;
  private final boolean includeUsage;

  private ChatChunks(ChatReply reply, boolean includeUsage) {
    this.reply = reply;
    this.includeUsage = includeUsage;
  }

  static SseScript script(ChatReply reply, boolean includeUsage) {
    return new ChatChunks(reply, includeUsage && reply.usage()).render();
  }

  /** A stream that opens normally, then sends a data line a JSON parser cannot read. */
  static SseScript malformed(ChatReply reply) {
    ChatChunks chunks = new ChatChunks(reply, false);
    String broken = "data: {\"id\":\"" + reply.id() + "\",\"object\":\"chat.completion.chunk\","
        + "\"choices\":[{\"delta\":{\"content\":\"Simul\n\n";
    return new SseScript(List.of(chunks.first(), broken, SseScript.DONE), 1, 2);
  }

  private SseScript render() {
    List<String> frames = new ArrayList<>();
    // with n choices: each choice's role chunk, then each one's content, then each one's finish, by its index
    for (int c = 0; c < reply.choices(); c++) {
      frames.add(first(c));
    }
    int bodyFrom = frames.size();
    for (int c = 0; c < reply.choices(); c++) {
      int choice = c;
      reply.toolCall().ifPresentOrElse(call -> {
        frames.add(delta(choice, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("id", call.id())
            .put("type", "function")
            .put("function", new JsonObject().put("name", call.name()).put("arguments", ""))))));
        frames.add(delta(choice, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
            .put("index", 0)
            .put("function", new JsonObject().put("arguments", call.arguments()))))));
      }, () -> reply.pieces().forEach(piece ->
          frames.add(delta(choice, new JsonObject().put("content", piece)))));
    }
    int bodyTo = frames.size();
    for (int c = 0; c < reply.choices(); c++) {
      frames.add(SseScript.frame(chunk(c, new JsonObject(), reply.finishReason())));
    }
    if (includeUsage) {
      frames.add(SseScript.frame(envelope(new JsonArray()).put("usage", reply.usageJson())));
    }
    frames.add(SseScript.DONE);
    return new SseScript(frames, bodyFrom, bodyTo);
  }

  private String first() {
    return first(0);
  }

  private String first(int choice) {
    JsonObject delta = new JsonObject()
        .put("role", "assistant")
        .put("content", reply.toolCall().isPresent() ? null : "")
        .put("refusal", null);
    return SseScript.frame(chunk(choice, delta, null));
  }

  private String delta(int choice, JsonObject delta) {
    return SseScript.frame(chunk(choice, delta, null));
  }

  private JsonObject chunk(int index, JsonObject delta, String finishReason) {
    JsonObject choice = new JsonObject()
        .put("index", index)
        .put("delta", delta)
        .put("logprobs", null)
        .put("finish_reason", finishReason);
    JsonObject chunk = envelope(new JsonArray().add(choice));
    // OpenAI marks every chunk with "usage": null once usage was asked for.
    return includeUsage ? chunk.put("usage", null) : chunk;
  }

  private JsonObject envelope(JsonArray choices) {
    return new JsonObject()
        .put("id", reply.id())
        .put("object", "chat.completion.chunk")
        .put("created", reply.created())
        .put("model", reply.model())
        .put("choices", choices);
  }
}

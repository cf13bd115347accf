package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code POST /v1/messages} as Anthropic serves it: the request read (and checked, {@code max_tokens} included, which
 * Anthropic requires) into the mock's {@link ChatRequest}, and the planned {@link ChatReply} rendered as a Messages
 * answer or as Anthropic's stream events. A tool call's input streams in two-character {@code input_json_delta}
 * pieces, as a real one arrives split.
 */
final class AnthropicMessages {
  private AnthropicMessages() {}

  static ChatRequest parse(JsonObject body, Counting counting) {
    String model = Fields.model(body);
    OptionalInt maxTokens = Fields.positive(body, "max_tokens");
    if (maxTokens.isEmpty()) {
      throw MockFailure.invalidRequest("max_tokens: Field required", "max_tokens");
    }
    JsonArray messages = Fields.array(body, "messages");
    if (messages == null || messages.isEmpty()) {
      throw MockFailure.invalidRequest("messages: expected a non-empty array", "messages");
    }
    int tokens = counting.count(text(body.getValue("system")));
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message)
          || !("user".equals(message.getValue("role")) || "assistant".equals(message.getValue("role")))) {
        throw MockFailure.invalidRequest("messages." + i + ": expected a user or assistant message", "messages");
      }
      tokens += ChatRequest.TOKENS_PER_MESSAGE + counting.count(text(message.getValue("content")));
    }
    return new ChatRequest(model, tokens, maxTokens, Fields.flag(body, "stream"), true, toolName(body), false);
  }

  /** The words of a content: a string, or its text blocks and tool results. */
  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder out = new StringBuilder();
    if (content instanceof JsonArray blocks) {
      for (Object b : blocks) {
        if (b instanceof JsonObject block) {
          if (block.getValue("text") instanceof String t) {
            out.append(' ').append(t);
          } else if (block.getValue("content") != null) {
            out.append(' ').append(text(block.getValue("content")));
          }
        }
      }
    }
    return out.toString();
  }

  private static Optional<String> toolName(JsonObject body) {
    JsonArray tools = Fields.array(body, "tools");
    JsonObject choice = Fields.object(body, "tool_choice");
    if (tools == null || tools.isEmpty() || (choice != null && "none".equals(choice.getValue("type")))) {
      return Optional.empty();
    }
    if (choice != null && "tool".equals(choice.getValue("type")) && choice.getValue("name") instanceof String name) {
      return Optional.of(name);
    }
    if (!(tools.getValue(0) instanceof JsonObject tool) || !(tool.getValue("name") instanceof String name)) {
      throw MockFailure.invalidRequest("tools.0.name: Field required", "tools");
    }
    return Optional.of(name);
  }

  static JsonObject message(ChatReply reply) {
    JsonObject message = new JsonObject()
        .put("id", id(reply))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", reply.model())
        .put("content", new JsonArray().add(block(reply, true)))
        .put("stop_reason", stopReason(reply))
        .put("stop_sequence", null);
    return reply.usage() ? message.put("usage", usage(reply, reply.promptTokens(), reply.completionTokens())) : message;
  }

  static SseScript events(ChatReply reply) {
    List<String> frames = new ArrayList<>();
    JsonObject start = message(reply).put("content", new JsonArray()).put("stop_reason", null);
    if (reply.usage()) {
      start.put("usage", usage(reply, reply.promptTokens(), 1));
    }
    frames.add(frame("message_start", new JsonObject().put("message", start)));
    frames.add(frame("content_block_start", new JsonObject().put("index", 0).put("content_block", block(reply, false))));
    frames.add(frame("ping", new JsonObject()));
    int bodyFrom = frames.size();
    reply.toolCall().ifPresentOrElse(call -> {
      String input = call.arguments();
      for (int i = 0; i < input.length(); i += 2) {
        frames.add(delta(new JsonObject().put("type", "input_json_delta")
            .put("partial_json", input.substring(i, Math.min(input.length(), i + 2)))));
      }
    }, () -> reply.pieces().forEach(piece -> frames.add(delta(new JsonObject().put("type", "text_delta").put("text", piece)))));
    int bodyTo = frames.size();
    frames.add(frame("content_block_stop", new JsonObject().put("index", 0)));
    JsonObject end = new JsonObject().put("delta", new JsonObject().put("stop_reason", stopReason(reply)).put("stop_sequence", null));
    if (reply.usage()) {
      JsonObject usage = usage(reply, reply.promptTokens(), reply.completionTokens());
      end.put("usage", new JsonObject().put("output_tokens", usage.getValue("output_tokens")));
    }
    frames.add(frame("message_delta", end));
    frames.add(frame("message_stop", new JsonObject()));
    return new SseScript(frames, bodyFrom, bodyTo);
  }

  private static String delta(JsonObject delta) {
    return frame("content_block_delta", new JsonObject().put("index", 0).put("delta", delta));
  }

  private static String frame(String type, JsonObject event) {
    JsonObject typed = new JsonObject().put("type", type).mergeIn(event);
    return "event: " + type + "\ndata: " + typed.encode() + "\n\n";
  }

  private static JsonObject block(ChatReply reply, boolean whole) {
    return reply.toolCall()
        .map(call -> new JsonObject().put("type", "tool_use").put("id", "toolu_" + call.id().substring(5))
            .put("name", call.name()).put("input", whole ? new JsonObject(call.arguments()) : new JsonObject()))
        .orElseGet(() -> new JsonObject().put("type", "text").put("text", whole ? reply.content().orElse("") : ""));
  }

  private static String id(ChatReply reply) {
    return "msg_" + reply.id().substring("chatcmpl-".length());
  }

  private static String stopReason(ChatReply reply) {
    return switch (reply.finishReason()) {
      case "length" -> "max_tokens";
      case "tool_calls" -> "tool_use";
      default -> "end_turn";
    };
  }

  /**
   * Anthropic's usage for true counts, shaped as scripted: {@code prompt_tokens=} and {@code completion_tokens=} lie in
   * {@code input_tokens} and {@code output_tokens}; {@code cached_tokens=} is reported as cache reads and
   * {@code cache_write_tokens=} as cache writes, besides them.
   */
  private static JsonObject usage(ChatReply reply, long prompt, long completion) {
    JsonObject openai = reply.usageScript().render(prompt, completion);
    if (openai.isEmpty()) {
      return openai;
    }
    JsonObject usage = new JsonObject()
        .put("input_tokens", openai.getValue("prompt_tokens", openai.getValue("input_tokens")))
        .put("output_tokens", openai.getValue("completion_tokens", openai.getValue("output_tokens", completion)))
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0);
    if (openai.getValue("prompt_tokens_details") instanceof JsonObject details) {
      usage.put("cache_read_input_tokens", details.getValue("cached_tokens"));
    }
    if (openai.containsKey("cache_creation_input_tokens")) {
      usage.put("cache_creation_input_tokens", openai.getValue("cache_creation_input_tokens"));
    }
    return usage;
  }
}

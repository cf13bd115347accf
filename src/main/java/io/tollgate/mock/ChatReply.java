package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the mock answers to one chat request, decided once and then rendered either as one JSON
 * completion or as a stream of chunks, so both forms always agree on text and usage.
 *
 * @param id the completion id, {@code chatcmpl-...}
 * @param created seconds since the epoch
 * @param model the requested model, echoed
 * @param content the assistant text, empty when the reply is a tool call
 * @param toolCall the function call, when the request offered tools
 * @param finishReason {@code stop}, {@code length} or {@code tool_calls}
 * @param promptTokens counted from the request
 * @param completionTokens tokens produced, counted as the mock's {@link Counting} says
 * @param usage whether usage is reported at all
 * @param usageScript the shape of the usage object and any counts it misreports
 * @param choices how many choices the reply has, each the same text: usage counts the completion tokens of all
 */
record ChatReply(
    String id,
    long created,
    String model,
    Optional<String> content,
    Optional<ToolCall> toolCall,
    String finishReason,
    int promptTokens,
    int completionTokens,
    boolean usage,
    UsageScript usageScript,
    int choices) {

  static final int DEFAULT_COMPLETION_TOKENS = 16;

  /** A function call with its arguments as the JSON text OpenAI sends. */
  record ToolCall(String id, String name, String arguments) {
  }

  static ChatReply plan(ChatRequest request, MockSettings settings, Counting counting) {
    int wanted = settings.tokens().orElse(DEFAULT_COMPLETION_TOKENS);
    int cap = settings.ignoreMaxTokens() ? Integer.MAX_VALUE : request.maxTokens().orElse(Integer.MAX_VALUE);
    int limit = Math.min(wanted, cap);
    Optional<ToolCall> toolCall = request.toolName()
        .map(name -> new ToolCall("call_" + randomHex(24), name, "{}"));
    Optional<String> content = Optional.empty();
    int produced = limit;
    if (toolCall.isEmpty()) {
      int words = limit;
      String text = text(request, settings, words);
      // a tokenizer counts some words as several tokens: as many words as fit in the tokens asked for
      for (int tokens; counting == Counting.TOKENIZER && words > 0 && (tokens = counting.count(text)) > limit; ) {
        words = (int) Math.min(words - 1L, (long) words * limit / tokens);
        text = text(request, settings, words);
      }
      content = Optional.of(text);
      produced = counting == Counting.WORDS ? words : counting.count(text);
    }
    String finishReason = toolCall.isPresent() ? "tool_calls" : limit < wanted ? "length" : "stop";
    return new ChatReply("chatcmpl-" + randomHex(29), System.currentTimeMillis() / 1000,
        request.model(), content, toolCall, finishReason, request.promptTokens(), produced,
        !settings.noUsage() && settings.usage().reported(), settings.usage(), request.choices());
  }

  /** The content as streamed: each word with a trailing space, which concatenate to the content. */
  List<String> pieces() {
    String text = content.orElse("");
    return text.isEmpty() ? List.of()
        : Arrays.stream(text.split(" ")).map(word -> word + " ").toList();
  }

  JsonObject usageJson() {
    return usageScript.render(promptTokens, completionTokens * choices);
  }

  JsonObject completionJson() {
    JsonObject message = new JsonObject()
        .put("role", "assistant")
        .put("content", content.orElse(null))
        .put("refusal", null);
    toolCall.ifPresent(call -> message.put("tool_calls", new JsonArray().add(new JsonObject()
        .put("id", call.id())
        .put("type", "function")
        .put("function", new JsonObject()
            .put("name", call.name())
            .put("arguments", call.arguments())))));
    JsonObject completion = new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", model)
        .put("choices", choicesJson(message));
    return usage ? completion.put("usage", usageJson()) : completion;
  }

  private JsonArray choicesJson(JsonObject message) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < choices; i++) {
      out.add(new JsonObject().put("index", i).put("message", message.copy()).put("logprobs", null).put("finish_reason", finishReason));
    }
    return out;
  }

  private static String text(ChatRequest request, MockSettings settings, int words) {
    String text = settings.echoed(String.join(" ", Words.filler(request.model(), words)));
    // Wrapping adds no whitespace, so the word count and therefore the token count stay the same.
    return request.jsonObject() ? new JsonObject().put("reply", text).encode() : text;
  }

  private static String randomHex(int length) {
    StringBuilder hex = new StringBuilder(length);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < length; i++) {
      hex.append(Character.forDigit(random.nextInt(16), 16));
    }
    return hex.toString();
  }
}

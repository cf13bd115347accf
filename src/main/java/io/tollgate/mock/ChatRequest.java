package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The parts of a chat completion request that shape the mock's reply, validated the way OpenAI
 * validates them so that the gateway's own mistakes surface as 400s in tests.
 *
 * @param model the requested model, echoed in the reply
 * @param promptTokens words across all message texts plus {@link #TOKENS_PER_MESSAGE} per message
 * @param maxTokens the lower of max_tokens and max_completion_tokens, if either is set
 * @param stream whether the reply is a server-sent event stream
 * @param includeUsage whether stream_options.include_usage asks for a final usage chunk
 * @param toolName the function to call, when the request offers tools and allows calling them
 * @param jsonObject whether response_format asks for a JSON object
 * @param choices how many choices to generate ({@code n}, 1 unless asked; at most {@link #MAX_CHOICES})
 */
record ChatRequest(
    String model,
    int promptTokens,
    OptionalInt maxTokens,
    boolean stream,
    boolean includeUsage,
    Optional<String> toolName,
    boolean jsonObject,
    int choices) {

  /** OpenAI's own bound on {@code n}. */
  static final int MAX_CHOICES = 128;

  /** One choice, as the Anthropic and Gemini shapes always have. */
  ChatRequest(String model, int promptTokens, OptionalInt maxTokens, boolean stream, boolean includeUsage,
      Optional<String> toolName, boolean jsonObject) {
    this(model, promptTokens, maxTokens, stream, includeUsage, toolName, jsonObject, 1);
  }

  /** Stands in for the role and framing tokens a real chat template adds around each message. */
  static final int TOKENS_PER_MESSAGE = 3;

  static ChatRequest parse(JsonObject body, Counting counting) {
    String model = Fields.model(body);
    boolean stream = Fields.flag(body, "stream");
    JsonObject streamOptions = Fields.object(body, "stream_options");
    return new ChatRequest(model, promptTokens(body, counting), maxTokens(body), stream,
        stream && streamOptions != null && Fields.flag(streamOptions, "include_usage"),
        toolName(body), jsonObject(body), choices(body));
  }

  private static int choices(JsonObject body) {
    int n = Fields.positive(body, "n").orElse(1);
    if (n > MAX_CHOICES) {
      throw MockFailure.invalidRequest("n: " + n + " (expected: at most " + MAX_CHOICES + ")", "n");
    }
    return n;
  }

  private static int promptTokens(JsonObject body, Counting counting) {
    JsonArray messages = Fields.array(body, "messages");
    if (messages == null || messages.isEmpty()) {
      throw MockFailure.invalidRequest("messages: expected a non-empty array", "messages");
    }
    int tokens = 0;
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw MockFailure.invalidRequest("messages[" + i + "]: expected an object", "messages");
      }
      tokens += TOKENS_PER_MESSAGE + contentTokens(message.getValue("content"), counting);
    }
    return tokens;
  }

  private static int contentTokens(Object content, Counting counting) {
    if (content instanceof String text) {
      return counting.count(text);
    }
    int tokens = 0;
    if (content instanceof JsonArray parts) {
      for (Object part : parts) {
        if (part instanceof JsonObject object && object.getValue("text") instanceof String text) {
          tokens += counting.count(text);
        }
      }
    }
    return tokens;
  }

  private static OptionalInt maxTokens(JsonObject body) {
    OptionalInt maxTokens = Fields.positive(body, "max_tokens");
    OptionalInt maxCompletionTokens = Fields.positive(body, "max_completion_tokens");
    if (maxTokens.isPresent() && maxCompletionTokens.isPresent()) {
      return OptionalInt.of(Math.min(maxTokens.getAsInt(), maxCompletionTokens.getAsInt()));
    }
    return maxTokens.isPresent() ? maxTokens : maxCompletionTokens;
  }

  private static Optional<String> toolName(JsonObject body) {
    JsonArray tools = Fields.array(body, "tools");
    Object choice = body.getValue("tool_choice");
    if (tools == null || tools.isEmpty() || "none".equals(choice)) {
      return Optional.empty();
    }
    // A named choice wins, as in OpenAI; otherwise the mock always calls the first tool.
    if (choice instanceof JsonObject named && Fields.object(named, "function") != null
        && named.getJsonObject("function").getValue("name") instanceof String name) {
      return Optional.of(name);
    }
    JsonObject function = tools.getValue(0) instanceof JsonObject tool
        ? Fields.object(tool, "function") : null;
    if (function == null || !(function.getValue("name") instanceof String name)) {
      throw MockFailure.invalidRequest("tools[0].function.name: expected a string", "tools");
    }
    return Optional.of(name);
  }

  private static boolean jsonObject(JsonObject body) {
    JsonObject format = Fields.object(body, "response_format");
    // A schema cannot be honoured by filler text; a JSON object is the closest valid answer.
    return format != null && ("json_object".equals(format.getValue("type"))
        || "json_schema".equals(format.getValue("type")));
  }
}

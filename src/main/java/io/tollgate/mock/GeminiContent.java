package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1beta/models/{model}:generateContent} and {@code :streamGenerateContent?alt=sse} (also under
 * {@code /v1}) as Gemini serves them: the request read into the mock's {@link ChatRequest}, the planned
 * {@link ChatReply} rendered as a {@code GenerateContentResponse} or as a stream of partial ones, each carrying the
 * running {@code usageMetadata}, the last one the {@code finishReason}. Gemini sends no {@code [DONE]}.
 */
final class GeminiContent {
  private static final Pattern PATH = Pattern.compile("/v1(?:beta)?/models/([^/:]+):(generateContent|streamGenerateContent)");

  private GeminiContent() {}

  /** The model a Gemini path names, or null when {@code path} is no Gemini endpoint. */
  static String model(String path) {
    Matcher matcher = PATH.matcher(path);
    return matcher.matches() ? java.net.URLDecoder.decode(matcher.group(1), java.nio.charset.StandardCharsets.UTF_8) : null;
  }

  static boolean streams(String path) {
    return path.endsWith(":streamGenerateContent");
  }

  static ChatRequest parse(String model, boolean stream, JsonObject body, Counting counting) {
    JsonArray contents = Fields.array(body, "contents");
    if (contents == null || contents.isEmpty()) {
      throw MockFailure.invalidRequest("contents: expected a non-empty array", "contents");
    }
    int tokens = counting.count(text(Fields.object(body, "systemInstruction")));
    for (int i = 0; i < contents.size(); i++) {
      if (!(contents.getValue(i) instanceof JsonObject content)
          || !("user".equals(content.getValue("role")) || "model".equals(content.getValue("role")))) {
        throw MockFailure.invalidRequest("contents[" + i + "]: expected a user or model turn", "contents");
      }
      tokens += ChatRequest.TOKENS_PER_MESSAGE + counting.count(text(content));
    }
    JsonObject config = Fields.object(body, "generationConfig");
    OptionalInt maxTokens = config == null ? OptionalInt.empty() : Fields.positive(config, "maxOutputTokens");
    boolean json = config != null && "application/json".equals(config.getValue("responseMimeType"));
    return new ChatRequest(model, tokens, maxTokens, stream, true, toolName(body), json);
  }

  private static String text(JsonObject content) {
    StringBuilder out = new StringBuilder();
    JsonArray parts = content == null ? null : Fields.array(content, "parts");
    for (Object p : parts == null ? new JsonArray() : parts) {
      if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
        out.append(' ').append(t);
      }
    }
    return out.toString();
  }

  private static Optional<String> toolName(JsonObject body) {
    JsonArray tools = Fields.array(body, "tools");
    JsonObject toolConfig = Fields.object(body, "toolConfig");
    JsonObject calling = toolConfig == null ? null : Fields.object(toolConfig, "functionCallingConfig");
    if (tools == null || tools.isEmpty() || (calling != null && "NONE".equals(calling.getValue("mode")))) {
      return Optional.empty();
    }
    if (calling != null && calling.getValue("allowedFunctionNames") instanceof JsonArray allowed && !allowed.isEmpty()) {
      return Optional.of(allowed.getString(0));
    }
    JsonArray declarations = tools.getValue(0) instanceof JsonObject tool ? Fields.array(tool, "functionDeclarations") : null;
    if (declarations == null || declarations.isEmpty() || !(declarations.getValue(0) instanceof JsonObject first)
        || !(first.getValue("name") instanceof String name)) {
      throw MockFailure.invalidRequest("tools[0].functionDeclarations[0].name: expected a string", "tools");
    }
    return Optional.of(name);
  }

  static JsonObject response(ChatReply reply) {
    JsonArray parts = new JsonArray();
    reply.toolCall().ifPresentOrElse(call -> parts.add(functionCall(call)),
        () -> parts.add(new JsonObject().put("text", reply.content().orElse(""))));
    return partial(reply, parts, finishReason(reply), reply.completionTokens());
  }

  static SseScript events(ChatReply reply) {
    List<String> frames = new ArrayList<>();
    reply.toolCall().ifPresentOrElse(call -> frames.add(frame(partial(reply, new JsonArray().add(functionCall(call)), null, 0))),
        () -> {
          int produced = 0;
          for (String piece : reply.pieces()) {
            produced++;
            frames.add(frame(partial(reply, new JsonArray().add(new JsonObject().put("text", piece)), null, produced)));
          }
        });
    int bodyTo = frames.size();
    frames.add(frame(partial(reply, new JsonArray().add(new JsonObject().put("text", "")), finishReason(reply),
        reply.completionTokens())));
    return new SseScript(frames, 0, bodyTo);
  }

  private static JsonObject functionCall(ChatReply.ToolCall call) {
    return new JsonObject().put("functionCall", new JsonObject().put("name", call.name()).put("args", new JsonObject(call.arguments())));
  }

  private static JsonObject partial(ChatReply reply, JsonArray parts, String finishReason, long completionSoFar) {
    JsonObject candidate = new JsonObject().put("content", new JsonObject().put("parts", parts).put("role", "model")).put("index", 0);
    if (finishReason != null) {
      candidate.put("finishReason", finishReason);
    }
    JsonObject response = new JsonObject().put("candidates", new JsonArray().add(candidate));
    if (reply.usage()) {
      response.put("usageMetadata", usage(reply, completionSoFar));
    }
    return response.put("modelVersion", reply.model()).put("responseId", reply.id().substring("chatcmpl-".length()));
  }

  private static String finishReason(ChatReply reply) {
    return reply.finishReason().equals("length") ? "MAX_TOKENS" : "STOP";
  }

  /** Gemini's usage for the counts so far, shaped and falsified as scripted ({@code cached_tokens=} as cached content). */
  private static JsonObject usage(ChatReply reply, long completion) {
    JsonObject openai = reply.usageScript().render(reply.promptTokens(), completion);
    if (openai.isEmpty()) {
      return openai;
    }
    Object prompt = openai.getValue("prompt_tokens", openai.getValue("input_tokens"));
    Object candidates = openai.getValue("completion_tokens", openai.getValue("output_tokens", completion));
    JsonObject usage = new JsonObject().put("promptTokenCount", prompt).put("candidatesTokenCount", candidates);
    if (prompt instanceof Number p && candidates instanceof Number c) {
      usage.put("totalTokenCount", p.longValue() + c.longValue());
    }
    if (openai.getValue("prompt_tokens_details") instanceof JsonObject details) {
      usage.put("cachedContentTokenCount", details.getValue("cached_tokens"));
    }
    return usage;
  }

  private static String frame(JsonObject event) {
    return "data: " + event.encode() + "\r\n\r\n";
  }
}

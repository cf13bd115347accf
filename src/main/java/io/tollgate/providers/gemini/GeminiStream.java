package io.tollgate.providers.gemini;

import io.tollgate.providers.ChatChunk;
import io.tollgate.providers.UpstreamProtocol;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code streamGenerateContent?alt=sse} events as OpenAI chunks. Each event is a partial response: its text parts
 * become content, a {@code functionCall} (sent whole) a tool call, a {@code finishReason} the finish chunk. Every
 * event may repeat the running {@code usageMetadata}; only the last one, with or after the finish, is passed on as
 * the usage chunk. Gemini ends a stream without a {@code [DONE]}: the finish is its end.
 */
final class GeminiStream implements UpstreamProtocol.StreamTranslator {
  private final long created;
  private ChatChunk chunk;
  private int tools;
  private boolean finished;

  GeminiStream(long created) {
    this.created = created;
  }

  @Override
  public List<JsonObject> chunks(JsonObject event) {
    List<JsonObject> out = new ArrayList<>();
    if (event.getValue("error") instanceof JsonObject error) {
      out.add(ChatChunk.error(error.getString("status", "api_error"), error.getString("message", "upstream error")));
      return out;
    }
    if (chunk == null) {
      chunk = new ChatChunk(event.getString("responseId", "gemini"), event.getString("modelVersion"), created);
      out.add(chunk.delta(new JsonObject().put("role", "assistant").put("content", "")));
    }
    JsonArray candidates = event.getJsonArray("candidates", new JsonArray());
    String finish = null;
    if (candidates.isEmpty() && event.getValue("promptFeedback") instanceof JsonObject feedback
        && feedback.getValue("blockReason") != null) {
      finish = "content_filter";
    }
    for (Object c : candidates) {
      if (!(c instanceof JsonObject candidate)) {
        continue;
      }
      JsonObject content = candidate.getJsonObject("content", new JsonObject());
      for (Object p : content.getJsonArray("parts", new JsonArray())) {
        if (p instanceof JsonObject part) {
          if (part.getValue("text") instanceof String t && !t.isEmpty() && !Boolean.TRUE.equals(part.getValue("thought"))) {
            out.add(chunk.delta(new JsonObject().put("content", t)));
          } else if (part.getValue("functionCall") instanceof JsonObject call) {
            int index = tools++;
            out.add(chunk.toolCallStart(index, GeminiAnswer.callId(event.getString("responseId", "gemini"), 0, index),
                call.getString("name")));
            out.add(chunk.toolArguments(index, call.getValue("args") instanceof JsonObject args ? args.encode() : "{}"));
          }
        }
      }
      String reason = GeminiAnswer.finishReason(candidate.getString("finishReason"), tools > 0);
      if (reason != null) {
        finish = reason;
      }
    }
    if (finish != null && !finished) {
      finished = true;
      out.add(chunk.finish(finish));
    }
    JsonObject usage = GeminiAnswer.usage(event.getJsonObject("usageMetadata"));
    if (usage != null && finished) {
      out.add(chunk.usage(usage));
    }
    return out;
  }
}

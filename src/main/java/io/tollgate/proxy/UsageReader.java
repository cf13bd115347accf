package io.tollgate.proxy;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.tollgate.receipts.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Reads token usage from upstream answers, and estimates it with a real tokenizer (o200k_base) when the
 * upstream reported none, so a missing usage field never makes a request free.
 */
public final class UsageReader {
  private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  /** Per-message framing tokens the chat format adds, as OpenAI documents for its models. */
  private static final int TOKENS_PER_MESSAGE = 3;

  private UsageReader() {}

  /** The upstream's own usage, or null when it reported none. */
  static Usage measured(JsonObject answer) {
    JsonObject usage = answer == null ? null : answer.getJsonObject("usage");
    if (usage == null) {
      return null;
    }
    long prompt = usage.getLong("prompt_tokens", 0L);
    long completion = usage.getLong("completion_tokens", 0L);
    JsonObject details = usage.getJsonObject("prompt_tokens_details");
    long cached = details == null ? 0 : details.getLong("cached_tokens", 0L);
    return new Usage(prompt, completion, Math.min(cached, prompt), "measured");
  }

  /**
   * A media part (image, audio, file) cannot be counted as text; it is counted at this many tokens, above what
   * providers charge for one high-detail image tile, so that a hold is never sized as if it were free.
   */
  static final int MEDIA_PART_TOKENS = 1_500;

  /**
   * Counts the prompt of a chat or embeddings request body: every message's text, the names and arguments of
   * its tool calls, the tool definitions, and an allowance per media part.
   */
  public static long promptTokens(JsonObject request) {
    long tokens = 0;
    JsonArray messages = request.getJsonArray("messages");
    if (messages != null) {
      for (Object m : messages) {
        if (m instanceof JsonObject message) {
          tokens += TOKENS_PER_MESSAGE + count(text(message.getValue("content"))) + mediaParts(message.getValue("content"))
              * (long) MEDIA_PART_TOKENS;
          StringBuilder calls = new StringBuilder();
          appendMessage(calls, new JsonObject().put("tool_calls", message.getValue("tool_calls")));
          if (message.getValue("name") instanceof String name) {
            calls.append(name);
          }
          tokens += count(calls.toString());
        }
      }
      Object tools = request.getValue("tools");
      if (tools instanceof JsonArray list && !list.isEmpty()) {
        tokens += count(list.encode());
      }
      return tokens + 3;
    }
    for (long input : inputTokens(request.getValue("input"))) {
      tokens += input;
    }
    return tokens;
  }

  /**
   * The tokens of each input of an embeddings body: one entry for a string or a single token array, one per item
   * of a list of strings or token arrays.
   */
  static long[] inputTokens(Object input) {
    if (input instanceof String s) {
      return new long[] {count(s)};
    }
    if (!(input instanceof JsonArray items)) {
      return new long[0];
    }
    if (isTokenArray(items)) {
      return new long[] {items.size()};
    }
    long[] counts = new long[items.size()];
    for (int i = 0; i < counts.length; i++) {
      Object item = items.getValue(i);
      counts[i] = item instanceof String s ? count(s) : item instanceof JsonArray ids ? ids.size() : 1;
    }
    return counts;
  }

  /** Whether {@code items} is one input written as token ids rather than a list of inputs. */
  static boolean isTokenArray(JsonArray items) {
    return !items.isEmpty() && items.stream().allMatch(item -> item instanceof Number);
  }

  /**
   * The prompt tokens a hold reserves for {@code counted} counted ones: tokenizers differ between providers, so a
   * margin keeps the hold above the prompt the upstream will measure.
   */
  public static long holdPromptTokens(long counted) {
    return counted + counted / 10 + 16;
  }

  /** The completion text of a non-streamed chat answer, including tool call arguments. */
  static String completionText(JsonObject answer) {
    StringBuilder out = new StringBuilder();
    JsonArray choices = answer.getJsonArray("choices");
    if (choices != null) {
      for (Object c : choices) {
        if (c instanceof JsonObject choice) {
          appendMessage(out, choice.getJsonObject("message"));
          appendMessage(out, choice.getJsonObject("delta"));
        }
      }
    }
    return out.toString();
  }

  static int count(String text) {
    return text == null || text.isEmpty() ? 0 : ENCODING.countTokensOrdinary(text);
  }

  static Usage estimated(JsonObject request, String completion) {
    return new Usage(promptTokens(request), count(completion), 0, "estimated");
  }

  private static void appendMessage(StringBuilder out, JsonObject message) {
    if (message == null) {
      return;
    }
    Object content = message.getValue("content");
    if (content instanceof String s) {
      out.append(s);
    }
    JsonArray calls = message.getValue("tool_calls") instanceof JsonArray list ? list : null;
    if (calls != null) {
      for (Object call : calls) {
        if (call instanceof JsonObject c && c.getJsonObject("function") != null) {
          JsonObject f = c.getJsonObject("function");
          out.append(f.getString("name", "")).append(f.getString("arguments", ""));
        }
      }
    }
  }

  private static long mediaParts(Object content) {
    if (!(content instanceof JsonArray parts)) {
      return 0;
    }
    return parts.stream().filter(p -> p instanceof JsonObject part && !"text".equals(part.getValue("type"))).count();
  }

  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder out = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          out.append(t);
        }
      }
      return out.toString();
    }
    return "";
  }
}

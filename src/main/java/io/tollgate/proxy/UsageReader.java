package io.tollgate.proxy;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.tollgate.config.CatalogModel;
import io.tollgate.config.ImageTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The gateway's own token counts, with a real tokenizer (o200k_base): the prompt of a request, to size its hold,
 * and the completion of an answer, charged when the upstream reported no believable usage (see
 * {@link ReportedUsage}), so a missing or lying usage field never makes a request free.
 */
public final class UsageReader {
  private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  /** Per-message framing tokens the chat format adds, as OpenAI documents for its models. */
  private static final int TOKENS_PER_MESSAGE = 3;

  private UsageReader() {}

  /**
   * A counted prompt, its text apart from its media: media counts are upper bounds (and for some models a billing
   * figure only), so they size a hold but never decide whether a prompt fits a context window.
   */
  public record Prompt(long textTokens, long mediaTokens) {
    public long total() {
      return textTokens + mediaTokens;
    }
  }

  /**
   * Counts the prompt of a chat or embeddings request body as {@code model} bills it, erring high: see
   * {@link #prompt}.
   */
  public static long promptTokens(JsonObject request, CatalogModel model) {
    return prompt(request, model.imageTokens()).total();
  }

  /**
   * Counts everything in a chat body that a provider bills as prompt: every message's text, name, tool calls and
   * legacy function call; the tool and legacy function definitions, the function a request forces, the JSON schema
   * of its {@code response_format}; and each media part by the rules of {@link MediaTokens}, with {@code images}
   * for images. An embeddings body counts the sum of its inputs.
   */
  static Prompt prompt(JsonObject request, ImageTokens images) {
    JsonArray messages = request.getValue("messages") instanceof JsonArray list ? list : null;
    if (messages == null) {
      long tokens = 0;
      for (long input : inputTokens(request.getValue("input"))) {
        tokens += input;
      }
      return new Prompt(tokens, 0);
    }
    long text = 3;
    long media = 0;
    for (Object m : messages) {
      if (m instanceof JsonObject message) {
        Object content = message.getValue("content");
        StringBuilder calls = new StringBuilder();
        appendCalls(calls, message);
        if (message.getValue("name") instanceof String name) {
          calls.append(name);
        }
        text += TOKENS_PER_MESSAGE + count(text(content)) + count(calls.toString());
        media += media(content, images);
      }
    }
    return new Prompt(text + definitions(request), media);
  }

  /** What a chat body bills as prompt besides its messages. */
  private static long definitions(JsonObject request) {
    long tokens = 0;
    for (String field : new String[] {"tools", "functions"}) {
      if (request.getValue(field) instanceof JsonArray list && !list.isEmpty()) {
        tokens += count(list.encode());
      }
    }
    if (request.getValue("function_call") instanceof JsonObject call && call.getValue("name") instanceof String name) {
      tokens += count(name);
    }
    if (request.getValue("tool_choice") instanceof JsonObject choice && choice.getValue("function") instanceof JsonObject f
        && f.getValue("name") instanceof String name) {
      tokens += count(name);
    }
    if (request.getValue("response_format") instanceof JsonObject format
        && format.getValue("json_schema") instanceof JsonObject schema) {
      tokens += count(schema.encode());
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

  private static void appendMessage(StringBuilder out, JsonObject message) {
    if (message == null) {
      return;
    }
    if (message.getValue("content") instanceof String s) {
      out.append(s);
    }
    appendCalls(out, message);
  }

  /** The names and arguments of a message's tool calls and of its legacy {@code function_call}. */
  private static void appendCalls(StringBuilder out, JsonObject message) {
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object call : calls) {
        if (call instanceof JsonObject c && c.getValue("function") instanceof JsonObject f) {
          appendFunction(out, f);
        }
      }
    }
    if (message.getValue("function_call") instanceof JsonObject f) {
      appendFunction(out, f);
    }
  }

  private static void appendFunction(StringBuilder out, JsonObject function) {
    if (function.getValue("name") instanceof String name) {
      out.append(name);
    }
    if (function.getValue("arguments") instanceof String arguments) {
      out.append(arguments);
    }
  }

  /** Text parts, and an assistant's refusal parts, are text; every other part is media. */
  private static boolean isText(JsonObject part) {
    Object type = part.getValue("type");
    return "text".equals(type) || "refusal".equals(type);
  }

  private static long media(Object content, ImageTokens images) {
    long tokens = 0;
    if (content instanceof JsonArray parts) {
      for (Object p : parts) {
        if (p instanceof JsonObject part && !isText(part)) {
          tokens += MediaTokens.part(part, images);
        }
      }
    }
    return tokens;
  }

  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder out = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof JsonObject part) {
          if (part.getValue("text") instanceof String t) {
            out.append(t);
          }
          if (part.getValue("refusal") instanceof String r) {
            out.append(r);
          }
        }
      }
      return out.toString();
    }
    return "";
  }
}

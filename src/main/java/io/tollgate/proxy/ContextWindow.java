package io.tollgate.proxy;

import io.tollgate.config.CatalogModel;
import io.tollgate.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The one check of a request's prompt against its model's context window, shared by the request path and the
 * quote so that both refuse the same bodies with the same error. A prompt that cannot fit is refused with
 * {@code 400 context_length_exceeded} before any hold or upstream call.
 */
public final class ContextWindow {
  private ContextWindow() {}

  /**
   * Counts the prompt of a validated chat or embeddings body for {@code model} and returns the tokens that size
   * its hold. A chat prompt must fit the window as a whole ({@code param: messages}); only its text is checked,
   * since its media are counted at upper bounds (for some models billing figures that fill no window), which
   * must not refuse what the provider would serve. The window of an embeddings
   * model applies to each input on its own ({@code param: input} for a single input, {@code input[i]} for an item
   * of a list), while the hold is sized on the sum of all inputs.
   *
   * @throws ApiException when the prompt, or one embeddings input, is larger than the window
   */
  public static UsageReader.Prompt admittedPrompt(JsonObject body, CatalogModel model) {
    long window = model.contextWindow();
    if (!model.embeddings()) {
      UsageReader.Prompt prompt = UsageReader.prompt(body, model.imageTokens());
      if (prompt.textTokens() > window) {
        throw ApiException.invalid("messages", "context_length_exceeded", "The prompt is about " + prompt.textTokens()
            + " tokens, more than the " + window + "-token context window of '" + model.id() + "'.");
      }
      return prompt;
    }
    Object input = body.getValue("input");
    long[] counts = UsageReader.inputTokens(input);
    boolean list = counts.length > 1 || input instanceof JsonArray items && !UsageReader.isTokenArray(items);
    long sum = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > window) {
        String param = list ? "input[" + i + "]" : "input";
        throw ApiException.invalid(param, "context_length_exceeded", "'" + param + "' is about " + counts[i]
            + " tokens, more than the " + window + "-token context window of '" + model.id()
            + "' (expected: each input at most " + window + " tokens).");
      }
      sum += counts[i];
    }
    return new UsageReader.Prompt(sum, 0);
  }
}

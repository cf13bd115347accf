package io.tollgate.quote;

import io.tollgate.config.CatalogModel;
import io.tollgate.http.ApiException;
import io.tollgate.proxy.ContextWindow;
import io.tollgate.proxy.RequestValidator;
import io.tollgate.proxy.UsageReader;
import io.vertx.core.json.JsonObject;

/**
 * What is being quoted: a full chat or embeddings body, or just a model with a prompt token count and
 * {@code max_tokens}.
 *
 * @param promptTokens counted with the tokenizer, or as given
 * @param maxOutputTokens the output allowance (the request's cap, or the model's, times {@code n})
 */
record QuoteRequest(String model, boolean embeddings, long promptTokens, String promptSource, long maxOutputTokens) {

  static QuoteRequest of(JsonObject body, CatalogModel model) {
    boolean embeddings = model.embeddings();
    long prompt;
    String source;
    if (body.containsKey("messages") || body.containsKey("input")) {
      if (embeddings) {
        RequestValidator.embeddings(body);
      } else {
        RequestValidator.chat(body, model);
      }
      prompt = ContextWindow.admittedPromptTokens(body, model);
      source = "counted";
    } else {
      Object given = body.getValue("prompt_tokens");
      if (!(given instanceof Integer || given instanceof Long) || ((Number) given).longValue() < 0) {
        throw ApiException.invalid("prompt_tokens", "missing_required_parameter",
            "Quote a full request body, or give 'prompt_tokens' (an integer >= 0) with 'max_tokens'.");
      }
      prompt = ((Number) given).longValue();
      source = "given";
      Object cap = body.getValue("max_tokens");
      if (cap != null && (!(cap instanceof Integer || cap instanceof Long) || ((Number) cap).longValue() < 1
          || ((Number) cap).longValue() > model.maxOutputTokens())) {
        throw ApiException.invalid("max_tokens", "invalid_value", "'max_tokens' must be 1 to " + model.maxOutputTokens() + ".");
      }
      // a given count of an embeddings request is the sum of its inputs, which may exceed the per-input window
      if (!embeddings && prompt > model.contextWindow()) {
        throw ApiException.invalid("prompt_tokens", "context_length_exceeded", "'prompt_tokens': " + prompt
            + " (expected: at most the " + model.contextWindow() + "-token context window of '" + model.id() + "')");
      }
    }
    long output = 0;
    if (!embeddings) {
      Object cap = body.getValue("max_completion_tokens", body.getValue("max_tokens"));
      long perChoice = cap instanceof Number n ? n.longValue() : model.maxOutputTokens();
      Object n = body.getValue("n");
      output = perChoice * (n instanceof Number choices ? Math.max(1, choices.longValue()) : 1);
    }
    return new QuoteRequest(model.id(), embeddings, prompt, source, output);
  }

  /** The prompt the gateway holds for: the count plus the margin the request path adds for tokenizer differences. */
  long promptForHold() {
    return UsageReader.holdPromptTokens(promptTokens);
  }
}

package io.tollgate.quote;

import io.tollgate.config.CatalogModel;
import io.tollgate.http.ApiException;
import io.tollgate.proxy.ContextWindow;
import io.tollgate.proxy.RequestValidator;
import io.tollgate.proxy.UsageReader;
import io.tollgate.pricing.Demand;
import io.tollgate.pricing.Overruns;
import io.vertx.core.json.JsonObject;

/**
 * What is being quoted: a full chat or embeddings body, or just a model with a prompt token count and the output
 * controls ({@code max_tokens}, {@code max_completion_tokens}, {@code n}), validated as a request's would be.
 *
 * @param promptTokens counted with the tokenizer, or as given
 * @param demand the worst case in tokens, sized by the same function as the request's hold
 */
record QuoteRequest(String model, boolean embeddings, long promptTokens, String promptSource, Demand demand) {

  static QuoteRequest of(JsonObject body, CatalogModel model, Overruns.Factors learned) {
    boolean embeddings = model.embeddings();
    long prompt;
    String source;
    if (body.containsKey("messages") || body.containsKey("input")) {
      if (embeddings) {
        RequestValidator.embeddings(body);
      } else {
        RequestValidator.chat(body, model);
      }
      prompt = ContextWindow.admittedPrompt(body, model).total();
      source = "counted";
    } else {
      Object given = body.getValue("prompt_tokens");
      if (given == null) {
        throw ApiException.invalid("prompt_tokens", "missing_required_parameter",
            "Quote a full request body, or give 'prompt_tokens' (an integer >= 0) with 'max_tokens'.");
      }
      if (!(given instanceof Integer || given instanceof Long)) {
        throw ApiException.invalid("prompt_tokens", "invalid_type", "'prompt_tokens' must be an integer >= 0.");
      }
      if (((Number) given).longValue() < 0) {
        throw ApiException.invalid("prompt_tokens", "invalid_value", "'prompt_tokens' must be an integer >= 0.");
      }
      prompt = ((Number) given).longValue();
      source = "given";
      if (!embeddings) {
        RequestValidator.outputControls(body, model);
      }
      // a given count of an embeddings request is the sum of its inputs, which may exceed the per-input window
      if (!embeddings && prompt > model.contextWindow()) {
        throw ApiException.invalid("prompt_tokens", "context_length_exceeded", "'prompt_tokens': " + prompt
            + " (expected: at most the " + model.contextWindow() + "-token context window of '" + model.id() + "')");
      }
    }
    return new QuoteRequest(model.id(), embeddings, prompt, source, Demand.of(body, model, prompt, learned));
  }

  /** The prompt the hold reserves. */
  long promptForHold() {
    return demand.holdPromptTokens();
  }

  /** The output the hold reserves. */
  long maxOutputTokens() {
    return demand.maxOutputTokens();
  }
}

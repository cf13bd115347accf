package io.tollgate.pricing;

import io.tollgate.config.CatalogModel;
import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.vertx.core.json.JsonObject;

/**
 * The worst case of one attempt, in tokens: the prompt its hold reserves and the most output it may produce.
 * The request path and the quote both size a hold with {@link #of}, so a quote's maximum is always the hold the
 * same request would take.
 *
 * @param countedPromptTokens the prompt as the gateway's tokenizer counted it
 * @param basePromptTokens the count plus a margin for tokenizer differences (a tenth, plus 16)
 * @param holdPromptTokens the prompt the hold reserves: the base, raised by what this route's upstreams were seen
 *     to bill beyond it ({@link Overruns})
 * @param outputCapPerChoice the cap on each choice's output: the larger of {@code max_tokens} and
 *     {@code max_completion_tokens} (an upstream may honour either), or the model's output cap when neither is set;
 *     the request path forwards it upstream when the request named none
 * @param baseOutputTokens the cap times {@code n}
 * @param maxOutputTokens the output the hold reserves: the base, or the model's whole cap times {@code n} once an
 *     upstream of this route was seen to write past the cap it was sent
 */
public record Demand(long countedPromptTokens, long basePromptTokens, long holdPromptTokens, long outputCapPerChoice,
    long baseOutputTokens, long maxOutputTokens) {

  /**
   * The demand of a validated request body (chat or embeddings) whose prompt counted {@code countedPrompt} tokens.
   * {@code body} must have passed validation: the output fields are integers within the model's cap, {@code n}
   * is 1 to 8.
   */
  public static Demand of(JsonObject body, CatalogModel model, long countedPrompt, Overruns.Factors learned) {
    long basePrompt = countedPrompt + countedPrompt / 10 + 16;
    // what was learnt never raises a prompt past the model's window: no upstream can bill more than that
    long holdPrompt = Math.min(learned.scalePrompt(basePrompt), Math.max(basePrompt, model.contextWindow()));
    if (model.embeddings()) {
      return new Demand(countedPrompt, basePrompt, holdPrompt, 0, 0, 0);
    }
    Object a = body.getValue("max_completion_tokens");
    Object b = body.getValue("max_tokens");
    long perChoice = a instanceof Number || b instanceof Number
        ? Math.max(a instanceof Number x ? x.longValue() : 0, b instanceof Number y ? y.longValue() : 0)
        : model.maxOutputTokens();
    long choices = body.getValue("n") instanceof Number n ? Math.max(1, n.longValue()) : 1;
    long baseOutput = Math.multiplyExact(perChoice, choices);
    // an upstream of this route was seen to ignore the cap it is sent: it can write the model's whole cap
    long maxOutput = learned.ignoresOutputCap() ? Math.max(baseOutput, Math.multiplyExact(model.maxOutputTokens(), choices)) : baseOutput;
    return new Demand(countedPrompt, basePrompt, holdPrompt, perChoice, baseOutput, maxOutput);
  }

  /** The tokens a token limit reserves for this attempt. */
  public long tokens() {
    return holdPromptTokens + maxOutputTokens;
  }

  /** The most this attempt can cost at {@code price}. */
  public long worstCaseMicros(Price price, Multipliers multipliers, RouteType type) {
    return Costs.worstCaseMicros(price, holdPromptTokens, maxOutputTokens, multipliers, type);
  }
}

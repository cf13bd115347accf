package io.tollgate.receipts;

/**
 * Token counts of a request. {@code source} is {@code measured} (reported by the upstream and believed),
 * {@code estimated} (counted by the gateway because the upstream reported none, or reported figures that were
 * rejected) or {@code recovered} (start-up recovery: the prompt counted when the hold was taken).
 *
 * @param promptTokens every prompt token, the cached and cache-written ones included
 * @param cachedPromptTokens prompt tokens the upstream read from its cache (OpenAI's
 *     {@code prompt_tokens_details.cached_tokens}, Anthropic's {@code cache_read_input_tokens})
 * @param cacheWritePromptTokens prompt tokens the upstream wrote to its cache (Anthropic's
 *     {@code cache_creation_input_tokens}); with the cached ones, at most {@code promptTokens}
 * @param rejected why the upstream's own figures were not believed (null when they were, or when there were none)
 */
public record Usage(long promptTokens, long completionTokens, long cachedPromptTokens, long cacheWritePromptTokens,
    String source, String rejected) {
  /** Counts without cache writes. */
  public Usage(long promptTokens, long completionTokens, long cachedPromptTokens, String source) {
    this(promptTokens, completionTokens, cachedPromptTokens, 0, source, null);
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  public Usage withRejected(String why) {
    return new Usage(promptTokens, completionTokens, cachedPromptTokens, cacheWritePromptTokens, source, why);
  }
}

package io.tollgate.receipts;

/**
 * Token counts of a request. {@code source} is {@code measured} (reported by the upstream and believed),
 * {@code estimated} (counted by the gateway because the upstream reported none, or reported figures that were
 * rejected) or {@code recovered} (start-up recovery: the prompt counted when the hold was taken).
 *
 * @param rejected why the upstream's own figures were not believed (null when they were, or when there were none)
 */
public record Usage(long promptTokens, long completionTokens, long cachedPromptTokens, String source, String rejected) {
  public Usage(long promptTokens, long completionTokens, long cachedPromptTokens, String source) {
    this(promptTokens, completionTokens, cachedPromptTokens, source, null);
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  public Usage withRejected(String why) {
    return new Usage(promptTokens, completionTokens, cachedPromptTokens, source, why);
  }
}

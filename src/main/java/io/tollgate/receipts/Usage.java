package io.tollgate.receipts;

/**
 * Token counts of a request. {@code source} is {@code measured} (reported by the upstream) or {@code estimated}
 * (counted by the gateway because the upstream reported none).
 */
public record Usage(long promptTokens, long completionTokens, long cachedPromptTokens, String source) {
  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}

package io.tollgate.proxy;

import io.tollgate.receipts.Usage;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Judges the usage an upstream reports. What an upstream says is evidence, not truth: a usage object is a
 * measurement only when it carries OpenAI's integer counts ({@code prompt_tokens}, and {@code completion_tokens}
 * for chat), each from zero to its bound, and the cache counts it may carry
 * ({@code prompt_tokens_details.cached_tokens}, and {@code cache_creation_input_tokens}, where an Anthropic answer's
 * translation keeps its cache writes) are believable parts of that prompt. Anything else (an empty object, another provider's field names, a
 * negative, fractional or absurdly large count) is rejected, and the caller charges the gateway's own count.
 *
 * @param usage the believed counts, or null
 * @param rejected why a usage object was not believed, or null (also when there was none at all)
 */
record ReportedUsage(Usage usage, String rejected) {
  static final ReportedUsage ABSENT = new ReportedUsage(null, null);

  /**
   * The range a believed count must fall in (see {@code Call.usageBounds}): counts outside it cannot be true of
   * the request that was sent and the answer that was delivered, whatever the upstream did.
   */
  record Bounds(long minPromptTokens, long maxPromptTokens, long minCompletionTokens, long maxCompletionTokens,
      boolean embeddings) {}

  /** Reads {@code answer.usage}: absent when there is none (or it is null, as in OpenAI's stream chunks). */
  static ReportedUsage read(JsonObject answer, Bounds bounds) {
    Object value = answer == null ? null : answer.getValue("usage");
    if (value == null) {
      return ABSENT;
    }
    if (!(value instanceof JsonObject usage)) {
      return rejected("usage is not an object");
    }
    Object prompt = usage.getValue("prompt_tokens");
    Object completion = usage.getValue("completion_tokens");
    if (prompt == null || (completion == null && !bounds.embeddings())) {
      return rejected("usage without prompt_tokens and completion_tokens (fields: " + String.join(", ", usage.fieldNames()) + ")");
    }
    String problem = problem("prompt_tokens", prompt, bounds.minPromptTokens(), bounds.maxPromptTokens());
    if (problem == null && completion != null) {
      problem = problem("completion_tokens", completion, bounds.minCompletionTokens(), bounds.maxCompletionTokens());
    }
    JsonObject details = usage.getValue("prompt_tokens_details") instanceof JsonObject d ? d : null;
    Object cached = details == null ? null : details.getValue("cached_tokens");
    if (problem == null && cached != null) {
      problem = problem("prompt_tokens_details.cached_tokens", cached, 0, bounds.maxPromptTokens());
    }
    Object written = usage.getValue("cache_creation_input_tokens");
    if (problem == null && written != null) {
      problem = problem("cache_creation_input_tokens", written, 0, bounds.maxPromptTokens());
    }
    if (problem != null) {
      return rejected(problem);
    }
    long p = ((Number) prompt).longValue();
    long c = completion == null ? 0 : ((Number) completion).longValue();
    long k = cached == null ? 0 : Math.min(((Number) cached).longValue(), p);
    long w = written == null ? 0 : ((Number) written).longValue();
    if (w > p - k) {
      // a cache write is part of the prompt, like a cache read: more of them than the prompt holds is no measurement
      return rejected("cache_creation_input_tokens " + w + " is above prompt_tokens " + p + " less its " + k
          + " cached tokens, of which it is part");
    }
    return new ReportedUsage(new Usage(p, c, k, w, "measured", null), null);
  }

  private static ReportedUsage rejected(String why) {
    return new ReportedUsage(null, why);
  }

  /** Why {@code value} is not a believable count, or null when it is. */
  private static String problem(String field, Object value, long min, long max) {
    if (!(value instanceof Number number)) {
      return field + " is not a number: " + abbreviate(String.valueOf(value));
    }
    BigDecimal exact;
    try {
      exact = new BigDecimal(number.toString());
    } catch (NumberFormatException e) {
      return field + " is not a finite number: " + number;
    }
    if (exact.signum() < 0) {
      return field + " " + abbreviate(exact.toPlainString()) + " is negative";
    }
    if (exact.stripTrailingZeros().scale() > 0) {
      return field + " " + abbreviate(exact.toPlainString()) + " is not a whole number";
    }
    if (exact.toBigInteger().compareTo(BigInteger.valueOf(max)) > 0) {
      return field + " " + abbreviate(exact.toPlainString()) + " is above " + max + ", the most this request could use";
    }
    if (exact.toBigInteger().compareTo(BigInteger.valueOf(min)) < 0) {
      return field + " " + exact.toPlainString() + " is below " + min + ", half the gateway's own count of what was sent";
    }
    return null;
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}

package io.tollgate.mock;

import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How the mock reports usage, so tests can play an upstream that lies about it: {@code usage=openai} (the
 * default), {@code usage=empty} (an empty object), {@code usage=anthropic} ({@code input_tokens} and
 * {@code output_tokens}), {@code usage=prompt_only} (no {@code completion_tokens}) or {@code usage=none}; and
 * {@code prompt_tokens=}, {@code completion_tokens=}, {@code cached_tokens=} to report any integer instead of
 * the true count, negative or larger than a long included; {@code cache_write_tokens=} to report cache writes too
 * (under {@code cache_creation_input_tokens}, Anthropic's name, which the gateway keeps on OpenAI's usage).
 */
record UsageScript(Shape shape, Optional<BigInteger> promptTokens, Optional<BigInteger> completionTokens,
    Optional<BigInteger> cachedTokens, Optional<BigInteger> cacheWriteTokens) {

  enum Shape { OPENAI, EMPTY, ANTHROPIC, PROMPT_ONLY, NONE }

  static final UsageScript HONEST = new UsageScript(Shape.OPENAI, Optional.empty(), Optional.empty(), Optional.empty(),
      Optional.empty());

  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,60}");

  static UsageScript from(Map<String, String> values, Function<String, MockFailure> invalid) {
    String shape = values.getOrDefault("usage", "openai");
    Shape parsed;
    try {
      parsed = Shape.valueOf(shape.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw invalid.apply("usage=" + shape + " (expected one of: openai, empty, anthropic, prompt_only, none)");
    }
    return new UsageScript(parsed, integer(values, "prompt_tokens", invalid), integer(values, "completion_tokens", invalid),
        integer(values, "cached_tokens", invalid), integer(values, "cache_write_tokens", invalid));
  }

  boolean reported() {
    return shape != Shape.NONE;
  }

  /** The usage object for true counts {@code prompt} and {@code completion}, shaped and falsified as scripted. */
  JsonObject render(long prompt, long completion) {
    Object p = promptTokens.<Object>map(v -> v).orElse(prompt);
    Object c = completionTokens.<Object>map(v -> v).orElse(completion);
    JsonObject usage = switch (shape) {
      case OPENAI -> new JsonObject().put("prompt_tokens", p).put("completion_tokens", c).put("total_tokens", total(p, c));
      case PROMPT_ONLY -> new JsonObject().put("prompt_tokens", p).put("total_tokens", p);
      case ANTHROPIC -> new JsonObject().put("input_tokens", p).put("output_tokens", c);
      case EMPTY, NONE -> new JsonObject();
    };
    cachedTokens.ifPresent(cached -> usage.put("prompt_tokens_details", new JsonObject().put("cached_tokens", cached)));
    cacheWriteTokens.ifPresent(written -> usage.put("cache_creation_input_tokens", written));
    return usage;
  }

  /** The usage object of an embeddings answer, which has no completion: {@code prompt_tokens} and {@code total_tokens}. */
  JsonObject renderEmbeddings(long prompt) {
    JsonObject usage = render(prompt, 0);
    if (shape == Shape.OPENAI) {
      usage.remove("completion_tokens");
      usage.put("total_tokens", usage.getValue("prompt_tokens"));
    }
    return usage;
  }

  private static Object total(Object p, Object c) {
    return new BigInteger(p.toString()).add(new BigInteger(c.toString()));
  }

  private static Optional<BigInteger> integer(Map<String, String> values, String key, Function<String, MockFailure> invalid) {
    String value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!INTEGER.matcher(value).matches()) {
      throw invalid.apply(key + "=" + value + " (expected: an integer, negative or huge allowed)");
    }
    return Optional.of(new BigInteger(value));
  }
}

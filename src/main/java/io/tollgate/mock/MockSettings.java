package io.tollgate.mock;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The behaviour one request asks for in its {@code x-mock} header, for example
 * {@code x-mock: status=503, retry_after=2; when_model=gpt-primary}. Settings are separated by
 * commas or semicolons; each is {@code key=value}. A header that cannot be read is rejected with a
 * 400 rather than ignored, so a typo in a test fails loudly instead of passing by accident.
 *
 * <p>One header may script several models in groups separated by {@code |}, for example
 * {@code x-mock: status=503, when_model=primary | tps=20, tokens=40}: a request gets the group
 * naming its model, else the group naming none, else {@link #NONE}. A proxy that forwards one
 * header can so break its primary and slow its backup at once. Several {@code x-mock} headers
 * read as one, joined by commas.
 *
 * @param status HTTP status of a scripted error (400..599)
 * @param retryAfterSeconds value of the Retry-After header sent with {@code status}
 * @param latencyMs wait before the first byte of the response, headers included
 * @param tokensPerSecond pace of streamed chunks; empty means as fast as the socket takes them
 * @param timeout accept the request and never answer
 * @param dropAfter close the connection mid-response after this many streamed chunks
 * @param errorAfter after this many streamed chunks, send one error event and end the stream
 *     cleanly without {@code [DONE]}; a non-streamed request gets that error as a 200 body, as a
 *     relay that fails inside a successful response would send
 * @param noUsage leave usage out of the reply
 * @param malformed answer 200 with a body that is not JSON
 * @param tokens completion tokens to produce, still capped by the request's max_tokens
 * @param whenModel apply the settings only to requests for this model
 * @param usage how usage is reported when it is: its shape and any counts that lie (see {@link UsageScript})
 * @param ignoreMaxTokens produce {@code tokens} even past the request's max_tokens, as a careless upstream would
 * @param echo with {@code echo_auth=true}: the Authorization header the request carried, echoed into error messages,
 *     error events and the reply's text, as a relay that leaks its caller's credential would
 */
record MockSettings(
    OptionalInt status,
    OptionalInt retryAfterSeconds,
    long latencyMs,
    OptionalInt tokensPerSecond,
    boolean timeout,
    OptionalInt dropAfter,
    OptionalInt errorAfter,
    boolean noUsage,
    boolean malformed,
    OptionalInt tokens,
    Optional<String> whenModel,
    UsageScript usage,
    boolean ignoreMaxTokens,
    Optional<String> echo) {

  /** With {@code echo_auth=true}, what the request's Authorization header said; otherwise unchanged. */
  MockSettings echoing(String authorization) {
    return echo.isEmpty() ? this : new MockSettings(status, retryAfterSeconds, latencyMs, tokensPerSecond, timeout, dropAfter,
        errorAfter, noUsage, malformed, tokens, whenModel, usage, ignoreMaxTokens, Optional.of(String.valueOf(authorization)));
  }

  /** {@code message}, with the Authorization header echoed into it when {@code echo_auth=true}, as a careless relay does. */
  String echoed(String message) {
    return echo.map(auth -> message + " (the request said Authorization: " + auth + ")").orElse(message);
  }

  /** Behave like a healthy upstream. */
  static final MockSettings NONE = new MockSettings(OptionalInt.empty(), OptionalInt.empty(), 0,
      OptionalInt.empty(), false, OptionalInt.empty(), OptionalInt.empty(), false, false,
      OptionalInt.empty(), Optional.empty(), UsageScript.HONEST, false, Optional.empty());

  static final String HEADER = "x-mock";

  /** The keys a header may use: those {@link MockUpstream#SETTINGS} documents, sorted for error messages. */
  private static final Set<String> KEYS = new TreeSet<>(MockUpstream.SETTINGS.keySet());

  private static final Pattern SEPARATOR = Pattern.compile("[,;]");
  private static final Pattern GROUP_SEPARATOR = Pattern.compile("\\|");

  /** The settings every {@code x-mock} header of a request asks for {@code model}. */
  static MockSettings forRequest(List<String> headerValues, String model) {
    List<MockSettings> groups = parse(headerValues);
    Optional<String> named = Optional.ofNullable(model);
    return groups.stream().filter(group -> group.whenModel().equals(named)).findFirst()
        .or(() -> groups.stream().filter(group -> group.whenModel().isEmpty()).findFirst())
        .orElse(NONE);
  }

  /** Reads every group of every {@code x-mock} header, checking even groups no request uses. */
  private static List<MockSettings> parse(List<String> headerValues) {
    List<MockSettings> groups = new ArrayList<>();
    Set<Optional<String>> models = new HashSet<>();
    for (String group : GROUP_SEPARATOR.split(String.join(",", headerValues))) {
      Map<String, String> values = new LinkedHashMap<>();
      for (String setting : SEPARATOR.split(group)) {
        if (!setting.isBlank()) {
          put(values, setting.trim());
        }
      }
      if (values.isEmpty()) {
        continue;
      }
      MockSettings settings = from(values);
      if (!models.add(settings.whenModel())) {
        throw invalid(settings.whenModel().map(model -> "two groups name when_model=" + model)
            .orElse("two groups name no when_model") + " (expected: one group per model)");
      }
      groups.add(settings);
    }
    return groups;
  }

  private static void put(Map<String, String> values, String setting) {
    int equals = setting.indexOf('=');
    if (equals < 0) {
      throw invalid("'" + setting + "' (expected: key=value)");
    }
    String key = setting.substring(0, equals).trim().toLowerCase(Locale.ROOT);
    String value = setting.substring(equals + 1).trim();
    if (!KEYS.contains(key)) {
      throw invalid("unknown key '" + key + "' (expected one of: " + String.join(", ", KEYS) + ")");
    }
    if (values.put(key, value) != null) {
      throw invalid("'" + key + "' is set twice");
    }
  }

  private static MockSettings from(Map<String, String> values) {
    OptionalInt status = integer(values, "status", 400, 599);
    OptionalInt retryAfter = integer(values, "retry_after", 0, 86_400);
    if (retryAfter.isPresent() && status.isEmpty()) {
      throw invalid("retry_after needs status, since only an error carries Retry-After");
    }
    if (values.containsKey("drop_after") && values.containsKey("error_after")) {
      throw invalid("drop_after and error_after both end the stream (expected: one of them)");
    }
    Optional<String> whenModel = Optional.ofNullable(values.get("when_model"));
    if (whenModel.isPresent() && whenModel.get().isEmpty()) {
      throw invalid("when_model is empty (expected: a model id)");
    }
    return new MockSettings(status, retryAfter,
        integer(values, "latency_ms", 0, 600_000).orElse(0),
        integer(values, "tps", 1, 1_000_000),
        flag(values, "timeout"),
        integer(values, "drop_after", 0, 1_000_000),
        integer(values, "error_after", 0, 1_000_000),
        flag(values, "no_usage"),
        flag(values, "malformed"),
        integer(values, "tokens", 0, 1_000_000),
        whenModel,
        UsageScript.from(values, MockSettings::invalid),
        flag(values, "ignore_max_tokens"),
        flag(values, "echo_auth") ? Optional.of("") : Optional.empty());
  }

  private static OptionalInt integer(Map<String, String> values, String key, int min, int max) {
    String value = values.get(key);
    if (value == null) {
      return OptionalInt.empty();
    }
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return OptionalInt.of(parsed);
      }
    } catch (NumberFormatException notANumber) {
      // Reported below with the range, which is what the caller needs to fix it.
    }
    throw invalid(key + "=" + value + " (expected: an integer in " + min + ".." + max + ")");
  }

  private static boolean flag(Map<String, String> values, String key) {
    String value = values.get(key);
    if (value == null || value.equalsIgnoreCase("false")) {
      return false;
    }
    if (value.equalsIgnoreCase("true")) {
      return true;
    }
    throw invalid(key + "=" + value + " (expected: true or false)");
  }

  static MockFailure invalid(String problem) {
    return MockFailure.invalidRequest("Invalid " + HEADER + " header: " + problem, HEADER);
  }
}

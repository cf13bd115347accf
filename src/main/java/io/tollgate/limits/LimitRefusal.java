package io.tollgate.limits;

import io.tollgate.http.ApiException;
import io.tollgate.ledger.Money;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A limit that would be exceeded by one more hold, with the numbers a client needs to understand it.
 *
 * @param counter the counter (limit, subject and window) that refused
 */
public record LimitRefusal(Limit limit, String counter, long spent, long held, long requested, Instant resetsAt, Instant now) {

  public long remaining() {
    return io.tollgate.ledger.core.AccountingCore.remaining(limit, spent, held);
  }

  /** The longest Retry-After, in seconds, OpenAI's SDKs wait out; past it they retry at once unless told not to. */
  static final long SDK_RETRY_WAIT_S = 60;

  /** 429 with a code naming the scope, window and metric, and {@code Retry-After} when the window resets on time. */
  public ApiException toApi(String requestId) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-tollgate-limit-scope", limit.label());
    headers.put("x-tollgate-limit-remaining", Long.toString(remaining()));
    headers.put("x-tollgate-limit-requested", Long.toString(requested));
    long wait = resetsAt == null ? Long.MAX_VALUE : Window.secondsUntil(resetsAt, now);
    if (resetsAt != null) {
      headers.put("retry-after", Long.toString(wait));
    }
    if (retryIsPointless(wait)) {
      // OpenAI's SDKs ignore a Retry-After above a minute and retry within seconds, each retry another refusal:
      // they honour this header instead
      headers.put("x-should-retry", "false");
    }
    String message = "The " + limit.describe() + " limit would be exceeded: cap " + amount(limit.cap()) + ", spent "
        + amount(spent) + ", held by requests in flight " + amount(held) + ", this request needs up to " + amount(requested)
        + (resetsAt == null ? " (a lifetime limit: it does not reset)." : "; the window resets at " + resetsAt + ".")
        + " Nothing was charged. Receipt: " + requestId;
    return new ApiException(429, "rate_limit_exceeded", limit.label() + "_limit_reached", null, message, headers);
  }

  /**
   * Whether an SDK's quick retry cannot succeed: the request alone needs more than the cap, or what is already spent
   * leaves it no room before a window that ends in more than a minute. A refusal made only by requests in flight
   * (their holds settle within seconds, usually below their worst case) may clear at once: retrying is left to the SDK.
   */
  boolean retryIsPointless(long waitSeconds) {
    if (requested > limit.cap()) {
      return true;
    }
    boolean roomOnceHoldsSettle = spent + requested <= limit.cap();
    return !roomOnceHoldsSettle && waitSeconds > SDK_RETRY_WAIT_S;
  }

  private String amount(long value) {
    return switch (limit.metric()) {
      case SPEND -> Money.format(value, limit.bucket());
      case TOKENS -> value + " tokens";
      case REQUESTS -> value + " requests";
    };
  }
}

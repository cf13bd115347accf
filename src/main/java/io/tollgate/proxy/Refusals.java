package io.tollgate.proxy;

import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.http.ApiException;
import io.tollgate.ledger.Money;
import io.tollgate.ledger.core.BalanceRefused;
import io.tollgate.ledger.core.CountersUnavailable;
import io.tollgate.ledger.core.LimitRefused;
import io.tollgate.ledger.core.NoLegAvailable;
import io.tollgate.ledger.core.Refusal;
import io.tollgate.limits.LimitRefusal;
import java.time.Instant;
import java.util.Map;

/**
 * The accounting core's refusals as HTTP: the one place that renders them, for the request path and the quote alike.
 * A limit is 429 with the limit's code, a balance 402 {@code insufficient_balance}, no usable leg 503
 * {@code no_leg_available}.
 */
public final class Refusals {
  private Refusals() {}

  /**
   * @param leg the leg the refusal happened on (for a balance: the leg whose worst case the wallet could not cover)
   * @param requestId the receipt to name, or a placeholder such as "(quote)"
   */
  public static ApiException toApi(Refusal refusal, Route route, Leg leg, String requestId, Instant now) {
    if (refusal instanceof LimitRefused l) {
      return limit(l, now).toApi(requestId);
    }
    if (refusal instanceof BalanceRefused b) {
      long available = Math.max(0, b.availableMicros());
      String message = "Insufficient balance in the " + b.bucket() + " wallet: " + Money.format(available, b.bucket())
          + " available, this request may cost up to " + Money.format(b.neededMicros(), b.bucket()) + " on its "
          + route.type().wireName() + " route" + (leg == null ? "" : " (" + leg.upstreamModel() + " via " + leg.channelId() + ")")
          + ". Top up the " + b.bucket() + " wallet or lower max_tokens. Nothing was charged. Receipt: " + requestId;
      return new ApiException(402, "insufficient_quota", "insufficient_balance", null, message,
          Map.of("x-tollgate-balance-bucket", b.bucket().name(),
              "x-tollgate-balance-available", Long.toString(available),
              "x-tollgate-amount-needed", Long.toString(b.neededMicros())));
    }
    NoLegAvailable none = (NoLegAvailable) refusal;
    return new ApiException(503, "server_error", "no_leg_available", null, "No leg of the " + none.routeType()
        + " route of " + none.model() + " may serve this request now: each is unhealthy, already failed, or excluded by the"
        + " route's fallback policy. Nothing was charged. Receipt: " + requestId);
  }

  /** A limit refusal with the moment it was judged, as the limits room describes it. */
  public static LimitRefusal limit(LimitRefused l, Instant now) {
    return new LimitRefusal(l.limit(), l.counter(), l.spent(), l.held(), l.requested(), l.resetsAt(), now);
  }

  /**
   * 503 {@code accounting_unavailable}: the shared counters ({@code redis:}) cannot take a hold now, so the request
   * goes to no upstream; {@code Retry-After} says when to try again.
   */
  public static ApiException unavailable(CountersUnavailable e, String requestId) {
    return new ApiException(503, "server_error", "accounting_unavailable", null, "The gateway cannot reserve this"
        + " request's cost right now (" + e.getMessage() + "), so it was not sent upstream. Nothing was charged; retry in "
        + e.retryAfterSeconds() + " s. Receipt: " + requestId, Map.of("retry-after", Long.toString(e.retryAfterSeconds())));
  }
}

package io.tollgate.proxy;

import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.ledger.core.Posting;
import io.vertx.core.http.HttpServerResponse;

/** The receipt's summary as response headers, so a client sees what happened without asking. */
final class ReceiptHeaders {
  static final String REQUEST_ID = "x-tollgate-request-id";
  static final String COST = "x-tollgate-cost";
  static final String LIMIT_SCOPE = "x-tollgate-limit-scope";
  static final String LIMIT_REMAINING = "x-tollgate-limit-remaining";

  private ReceiptHeaders() {}

  /** Route-level headers, known as soon as a leg answers. */
  static void route(HttpServerResponse response, Call call) {
    if (call.plan != null) {
      response.putHeader("x-tollgate-route", call.plan.route().type().wireName());
    }
    Leg leg = call.leg();
    if (leg != null) {
      response.putHeader("x-tollgate-leg", Route.legLabel(call.legIndex));
      response.putHeader("x-tollgate-upstream-model", leg.upstreamModel());
      response.putHeader("x-tollgate-bucket", leg.bucket().name());
    }
    response.putHeader("x-tollgate-fallback", Boolean.toString(call.fallback()));
  }

  /** What was charged, known only once settled (for non-streamed answers, before the body is sent). */
  static void cost(HttpServerResponse response, Posting posted) {
    response.putHeader(COST, costValue(posted));
  }

  static String costValue(Posting posted) {
    return Long.toString(posted == null ? 0 : posted.chargedMicros());
  }
}

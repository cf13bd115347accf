package io.tollgate.ledger.core;

import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The leg walk, as the request path runs it: in leg order, a leg the skip rules refuse is skipped; a leg whose
 * channel is unhealthy is skipped when a later leg's channel is healthy; a leg whose limits refuse is skipped (the
 * first such refusal is kept); the first leg left is admitted if its wallet covers the worst case, and if it does
 * not the request is refused there. Once a leg has failed upstream, a leg the wallet cannot cover is skipped like one
 * its limits refuse, so a later backup it can cover still serves. Nothing is reserved.
 */
final class LegWalk {
  private LegWalk() {}

  static Admission walk(AccountingCore core, AdmitRequest request) {
    Route route = request.route();
    List<Leg> legs = route.legs();
    int n = legs.size();
    long tokens = request.demand().tokens();
    LegVerdict[] out = new LegVerdict[n];
    LimitRefused firstLimit = null;
    BalanceRefused firstBalance = null;
    Refusal stop = null;
    int admitted = -1;
    // a request out of attempts walks no further; the route's limit counts upstream attempts that failed
    int start = request.failed().size() >= route.maxAttempts() ? n : request.fromLeg();
    for (int i = start; i < n && admitted < 0 && stop == null; i++) {
      Leg leg = legs.get(i);
      long worst = request.demand().worstCaseMicros(leg.price(), request.multipliers(), route.type());
      Verdict skip = SkipRules.reason(route, request.keyAllowsBucketChange(), request.failed(), i);
      if (skip == null && !request.health().admits(i) && request.health().availableAfter(i, n)) {
        skip = Verdict.CIRCUIT_OPEN;
      }
      if (skip != null) {
        out[i] = new LegVerdict(i, leg, worst, tokens, List.of(), skip, null);
        continue;
      }
      List<PlannedLimit> planned = plan(request.limits().applicable(leg), leg, worst, tokens);
      LimitRefused refused = core.tightest(planned);
      if (refused != null) {
        out[i] = new LegVerdict(i, leg, worst, tokens, planned, Verdict.LIMIT, refused);
        firstLimit = firstLimit == null ? refused : firstLimit;
        continue;
      }
      long available = core.availableMicros(request.accountId(), leg.bucket());
      if (available < worst) {
        out[i] = new LegVerdict(i, leg, worst, tokens, planned, Verdict.BALANCE, null);
        BalanceRefused shortOfIt = new BalanceRefused(request.accountId(), leg.bucket(), available, worst);
        if (request.failed().isEmpty()) {
          stop = shortOfIt;
        } else {
          firstBalance = firstBalance == null ? shortOfIt : firstBalance;
        }
        continue;
      }
      out[i] = new LegVerdict(i, leg, worst, tokens, planned, Verdict.ADMITTED, null);
      admitted = i;
    }
    for (int i = 0; i < n; i++) {
      if (out[i] == null) {
        Leg leg = legs.get(i);
        out[i] = new LegVerdict(i, leg, request.demand().worstCaseMicros(leg.price(), request.multipliers(), route.type()),
            tokens, List.of(), Verdict.NOT_WALKED, null);
      }
    }
    Refusal refusal = admitted >= 0 ? null
        : stop != null ? stop
        : firstBalance != null ? firstBalance
        : firstLimit != null ? firstLimit
        : new NoLegAvailable(route.model(), route.type().wireName());
    return new Admission(Arrays.asList(out), admitted, refusal);
  }

  /** What each applicable limit reserves for an attempt on {@code leg}; a spend limit of another bucket does not apply. */
  static List<PlannedLimit> plan(List<LimitPlanner.Applicable> applicable, Leg leg, long worstMicros, long tokens) {
    if (applicable.isEmpty()) {
      return List.of();
    }
    List<PlannedLimit> out = new ArrayList<>(applicable.size());
    for (LimitPlanner.Applicable a : applicable) {
      long amount = AccountingCore.amount(a.limit(), leg.bucket(), worstMicros, tokens);
      if (amount >= 0) {
        out.add(new PlannedLimit(a.limit(), a.counter(), amount, a.resetsAt()));
      }
    }
    return out;
  }
}

package io.tollgate.ledger.core;

import java.util.List;

/**
 * The judgement of one leg walk: every leg with its worst case and verdict, the admitted leg, or why none was.
 * It reserves nothing: the quote shows it, the request path reserves {@link #attempt} next.
 *
 * @param admittedLeg the index of the leg that would serve, or -1
 * @param refusal null when a leg was admitted; otherwise the first limit refusal of the walk, the balance refusal
 *     that stopped it, or {@link NoLegAvailable}
 */
public record Admission(List<LegVerdict> legs, int admittedLeg, Refusal refusal) {

  public Admission {
    legs = List.copyOf(legs);
  }

  public boolean admitted() {
    return admittedLeg >= 0;
  }

  /** The admitted leg's verdict. */
  public LegVerdict admittedVerdict() {
    if (admittedLeg < 0) {
      throw new IllegalStateException("no leg was admitted (refusal: " + refusal + ")");
    }
    return legs.get(admittedLeg);
  }

  /** The attempt to reserve on the admitted leg: its worst case and its planned limits. */
  public Attempt attempt(String holdId, String requestId, String accountId, long expiresAtMs) {
    LegVerdict leg = admittedVerdict();
    return new Attempt(holdId, requestId, accountId, leg.leg().bucket(), leg.worstCaseMicros(), leg.limits(), expiresAtMs);
  }

  /**
   * This walk with its admitted leg refused after all by the shared counters ({@link SharedCounters}): the leg is
   * marked as the core would have marked it ({@link Verdict#LIMIT} or {@link Verdict#BALANCE}) and no leg is admitted.
   */
  public Admission refusedAt(Refusal refusal) {
    LegVerdict leg = admittedVerdict();
    LegVerdict refused = refusal instanceof LimitRefused l
        ? new LegVerdict(leg.index(), leg.leg(), leg.worstCaseMicros(), leg.tokens(), leg.limits(), Verdict.LIMIT, l)
        : new LegVerdict(leg.index(), leg.leg(), leg.worstCaseMicros(), leg.tokens(), leg.limits(), Verdict.BALANCE, null);
    List<LegVerdict> walked = new java.util.ArrayList<>(legs);
    walked.set(admittedLeg, refused);
    return new Admission(walked, -1, refusal);
  }
}

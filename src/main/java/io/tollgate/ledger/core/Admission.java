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
}

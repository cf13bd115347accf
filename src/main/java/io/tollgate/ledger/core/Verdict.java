package io.tollgate.ledger.core;

/** What the leg walk decided about one leg. */
public enum Verdict {
  /** The leg that would serve: its limits and its wallet cover the worst case. */
  ADMITTED(null),
  /** Its channel and upstream model already failed in this request. */
  ALREADY_FAILED("skipped_already_failed"),
  /** It pays from another bucket than the primary, which the route policy and the key must both allow. */
  BUCKET_CHANGE("skipped_bucket_change"),
  /** It costs more than the primary beyond what the route policy allows. */
  COSTLIER("skipped_costlier"),
  /** Its channel is unhealthy and a later leg's is not. */
  CIRCUIT_OPEN("skipped_circuit_open"),
  /** A limit would be exceeded; the walk goes on to the next leg (see {@link LegVerdict#limitRefusal}). */
  LIMIT(null),
  /** Its wallet cannot cover the worst case: the walk stops, the request is refused (402). */
  BALANCE(null),
  /** Before {@code fromLeg}, or after the walk stopped. */
  NOT_WALKED(null);

  private final String outcome;

  Verdict(String outcome) {
    this.outcome = outcome;
  }

  /** The attempt outcome a receipt records for a rule skip ({@code skipped_costlier}); null for the others. */
  public String outcome() {
    return outcome;
  }
}

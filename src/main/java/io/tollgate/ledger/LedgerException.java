package io.tollgate.ledger;

/** A ledger operation refused for a reason the caller can act on. */
public final class LedgerException extends RuntimeException {
  /** Why. {@code OVERDRAFT_BELOW_BALANCE}: a new overdraft would not cover what the balance and its holds already use. */
  public enum Reason { INSUFFICIENT_FUNDS, CONFLICT, NOT_FOUND, INVALID, OVERDRAFT_BELOW_BALANCE }

  private final Reason reason;

  public LedgerException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}

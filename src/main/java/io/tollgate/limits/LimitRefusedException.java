package io.tollgate.limits;

/** Thrown by a hold that a limit refused; carries the refusal for the receipt and the error. */
public final class LimitRefusedException extends RuntimeException {
  private final transient LimitRefusal refusal;

  public LimitRefusedException(LimitRefusal refusal) {
    super(refusal.limit().label() + " limit reached", null, false, false);
    this.refusal = refusal;
  }

  public LimitRefusal refusal() {
    return refusal;
  }
}

package io.tollgate.store;

/** A database failure that the caller cannot fix by changing its request. */
public final class StoreException extends RuntimeException {
  private final boolean ownedElsewhere;

  public StoreException(String message, Throwable cause) {
    this(message, cause, false);
  }

  StoreException(String message, Throwable cause, boolean ownedElsewhere) {
    super(message, cause);
    this.ownedElsewhere = ownedElsewhere;
  }

  /** Whether opening for writing was refused because another owner (a running gateway) holds the database. */
  public boolean ownedElsewhere() {
    return ownedElsewhere;
  }
}

package io.tollgate.store;

/** A database failure that the caller cannot fix by changing its request. */
public final class StoreException extends RuntimeException {
  private final boolean ownedElsewhere;
  private final boolean unreachable;

  public StoreException(String message, Throwable cause) {
    this(message, cause, false, false);
  }

  StoreException(String message, Throwable cause, boolean ownedElsewhere) {
    this(message, cause, ownedElsewhere, false);
  }

  StoreException(String message, Throwable cause, boolean ownedElsewhere, boolean unreachable) {
    super(message, cause);
    this.ownedElsewhere = ownedElsewhere;
    this.unreachable = unreachable;
  }

  /**
   * Whether {@code failure} (or what caused it) says the database server cannot be reached now: a connection
   * refused, lost or not available in time (SQLSTATE class 08), as opposed to a statement that failed. The request
   * path answers these with 503 {@code accounting_unavailable}, before any upstream call.
   */
  public static boolean unreachable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof StoreException e && e.unreachable) {
        return true;
      }
      if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
        return true;
      }
      if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Whether opening for writing was refused because another owner (a running gateway) holds the database. */
  public boolean ownedElsewhere() {
    return ownedElsewhere;
  }
}

package io.tollgate.store;

/** A database failure that the caller cannot fix by changing its request. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

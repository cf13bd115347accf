package io.tollgate.research.data;

/** Market data could not be had: an unknown symbol, an unreadable file, a source that failed. */
public final class MarketDataException extends RuntimeException {
  public MarketDataException(String message) {
    super(message);
  }

  public MarketDataException(String message, Throwable cause) {
    super(message, cause);
  }
}

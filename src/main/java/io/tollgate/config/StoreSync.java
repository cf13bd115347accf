package io.tollgate.config;

/**
 * How far a commit of the embedded store is durable. Both survive {@code kill -9} of the process (SQLite's WAL);
 * {@link #FULL} also survives a power loss or an operating-system crash, at the cost of an fsync of the log on
 * every group commit (bench/RESULTS.md measures it).
 */
public enum StoreSync {
  /** {@code PRAGMA synchronous=NORMAL}: the last commits may be lost on a power cut, never on a crash of the process. */
  NORMAL("NORMAL"),
  /** {@code PRAGMA synchronous=FULL}: each commit is on disk before it completes. */
  FULL("FULL");

  private final String pragma;

  StoreSync(String pragma) {
    this.pragma = pragma;
  }

  /** The value of SQLite's {@code synchronous} pragma. */
  public String pragma() {
    return pragma;
  }
}

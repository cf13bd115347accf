package io.tollgate.config;

/** Where money comes from. Buckets never mix implicitly. */
public enum Bucket {
  /** Official Credit: pays official (direct) routes. */
  CREDIT("USD"),
  /** The lower-cost RMB wallet: pays routed channels. */
  RMB("CNY");

  private final String currency;

  Bucket(String currency) {
    this.currency = currency;
  }

  public String currency() {
    return currency;
  }

  public String wireName() {
    return name();
  }
}

package io.tollgate.ledger;

import io.tollgate.config.Bucket;

/** The ids of ledger accounts: one wallet per customer account and bucket, and the system accounts per bucket. */
public final class LedgerIds {
  private LedgerIds() {}

  public static String wallet(String accountId, Bucket bucket) {
    return "wallet:" + accountId + ":" + bucket.name();
  }

  public static String system(SystemAccount kind, Bucket bucket) {
    return "system:" + kind.wireName() + ":" + bucket.name();
  }

  /** The system accounts that balance customer wallets. */
  public enum SystemAccount {
    TOPUP_SOURCE("topup_source"),
    REVENUE("revenue"),
    ADJUSTMENT("adjustment"),
    CONVERSION("conversion");

    private final String wireName;

    SystemAccount(String wireName) {
      this.wireName = wireName;
    }

    public String wireName() {
      return wireName;
    }
  }
}

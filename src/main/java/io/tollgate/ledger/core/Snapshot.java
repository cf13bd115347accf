package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import java.util.List;

/**
 * The core's whole state after event {@code seq}: start-up restores it and replays the journal after it.
 * A snapshot may be taken only once the store made every event up to {@code seq} durable.
 */
public record Snapshot(long seq, List<WalletState> wallets, List<SystemBalance> systemBalances, List<Hold> pending,
    List<CounterState> counters) {

  public Snapshot {
    wallets = List.copyOf(wallets);
    systemBalances = List.copyOf(systemBalances);
    pending = List.copyOf(pending);
    counters = List.copyOf(counters);
  }

  /** A customer wallet: its balance, what pending holds reserve of it, and how far below zero it may go. */
  public record WalletState(String accountId, Bucket bucket, long balanceMicros, long heldMicros, long overdraftMicros) {
    public long availableMicros() {
      return AccountingCore.available(balanceMicros, overdraftMicros, heldMicros);
    }
  }

  /** A system account's balance (the other side of customer wallets). */
  public record SystemBalance(SystemAccount account, Bucket bucket, long balanceMicros) {}

  /** One limit counter: settled use and what pending holds reserve. */
  public record CounterState(String counter, long spent, long held) {}
}

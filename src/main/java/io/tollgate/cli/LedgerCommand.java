package io.tollgate.cli;

import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.store.Store;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code tollgate ledger verify}. */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Inspect the ledger.")
final class LedgerCommand {
  @Mixin
  DataOption data;

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check every ledger invariant; exit 0 when all hold, 1 otherwise, with a readable report.")
  int verify() {
    try (Store store = data.openReadOnly()) {
      LedgerVerifier.Report report = LedgerVerifier.verify(store, Clock.systemUTC().millis());
      System.out.print(report.text());
      return report.ok() ? 0 : 1;
    }
  }
}

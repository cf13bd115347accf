package io.tollgate.cli;

import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldRecovery;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.receipts.ReceiptListener;
import io.tollgate.store.PostgresTarget;
import io.tollgate.store.Store;
import io.tollgate.store.StoreCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate migrate --from sqlite:PATH --to postgres:URL}: copies an embedded store into an empty PostgreSQL
 * database and proves the copy: the same accounting core restored on both sides, the same balances and receipts, and
 * {@code ledger verify} clean on both. The gateway must be stopped (the source is opened for writing, which a running
 * gateway refuses); holds it left open are resolved first, as its next start would.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Copy an embedded store into an empty PostgreSQL database and verify the copy.",
        "--from sqlite:PATH (the database file, or its data directory) --to postgres:jdbc:postgresql://HOST:PORT/DB",
        "(user and password as ?user=...&password=... in the URL, or from PGUSER and PGPASSWORD)."})
final class MigrateCommand implements Callable<Integer> {
  @Option(names = "--from", required = true, paramLabel = "sqlite:PATH", description = "The embedded store to copy.")
  String from;

  @Option(names = "--to", required = true, paramLabel = "postgres:URL", description = "The empty PostgreSQL database.")
  String to;

  @Override
  public Integer call() {
    if (!from.startsWith("sqlite:") || !to.startsWith("postgres:")) {
      System.err.println("error: --from " + from + " --to " + to + " (expected: --from sqlite:PATH --to postgres:URL)");
      return 2;
    }
    Path file = Path.of(from.substring("sqlite:".length()));
    if (Files.isDirectory(file)) {
      file = file.resolve(DataOption.FILE_NAME);
    }
    String url = to.substring("postgres:".length());
    if (!url.startsWith("jdbc:")) {
      url = "jdbc:" + url;
    }
    Clock clock = Clock.systemUTC();
    PostgresTarget target;
    try {
      target = new PostgresTarget(url, System.getenv("PGUSER"), System.getenv("PGPASSWORD"), 2,
          "migrate-" + ProcessHandle.current().pid());
    } catch (IllegalArgumentException e) {
      System.err.println("error: --to: " + e.getMessage());
      return 2;
    }
    try (Store source = Store.openExisting(file); Store copy = Store.openPostgres(target)) {
      Accountant sourceAccountant = Accountant.of(source, clock);
      int resolved = HoldRecovery.recoverAll(source, sourceAccountant, clock.millis(), ReceiptListener.NONE);
      source.writeNow(sourceAccountant.projection());
      Map<String, Long> copied = StoreCopy.copy(source, copy);
      System.out.println("Copied " + source.describe() + " into " + copy.describe() + ": " + copied
          + (resolved > 0 ? " (" + resolved + " hold(s) left open by the last stop were voided first)" : ""));
      return verify(source, copy, sourceAccountant, clock) ? 0 : 1;
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
  }

  private static boolean verify(Store source, Store copy, Accountant sourceAccountant, Clock clock) {
    Snapshot restored = Accountant.of(copy, clock).view().snapshot();
    boolean sameCore = restored.equals(sourceAccountant.view().snapshot());
    List<String> differences = StoreCopy.differences(source, copy);
    LedgerVerifier.Report before = LedgerVerifier.verify(source, clock.millis());
    LedgerVerifier.Report after = LedgerVerifier.verify(copy, clock.millis());
    System.out.println((sameCore ? "ok  " : "FAIL") + " the accounting core restored from the copied journal equals the source's");
    System.out.println((differences.isEmpty() ? "ok  " : "FAIL") + " the same balances and receipts on both sides");
    differences.stream().limit(20).forEach(d -> System.out.println("      " + d));
    System.out.println((before.ok() ? "ok  " : "FAIL") + " ledger verify on " + source.describe());
    System.out.println((after.ok() ? "ok  " : "FAIL") + " ledger verify on " + copy.describe());
    if (!before.ok() || !after.ok()) {
      System.out.print(before.ok() ? after.text() : before.text());
    }
    return sameCore && differences.isEmpty() && before.ok() && after.ok();
  }
}

package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * A durable hold taken and then posted at the actual cost, through the store's group-commit writer on a
 * temporary SQLite file (WAL, synchronous=NORMAL, as the gateway opens it). No limits and no receipt: those
 * add their own statements to the settle transaction in the gateway.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HoldSettleBench {
  private final AtomicLong sequence = new AtomicLong();
  private Path dir;
  private Store store;
  private String accountId;
  private String walletId;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("tollgate-jmh-");
    store = Store.open(dir.resolve("tollgate.db"));
    Clock clock = Clock.systemUTC();
    accountId = new Tenants(store, clock).createAccount("jmh").id();
    new Ledger(store, clock).topUp(accountId, Bucket.RMB, 1_000_000_000_000L, "jmh", null);
    walletId = LedgerIds.wallet(accountId, Bucket.RMB);
    store.writeNow(c -> {
      try (java.sql.PreparedStatement s = c.prepareStatement("INSERT INTO settings (name, value) VALUES ('jmh', '0')")) {
        s.executeUpdate();
      }
      // not in the gateway's schema: the append-only table of journalHoldThenSettle
      try (java.sql.PreparedStatement s = c.prepareStatement("CREATE TABLE jmh_journal (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)")) {
        s.executeUpdate();
      }
      return null;
    });
  }

  /** About the size of a hold's row (its context and reservations) and of a charged receipt, in the gateway. */
  private static final String HOLD_RECORD = "h".repeat(400);
  private static final String SETTLE_RECORD = "s".repeat(1_200);

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private HoldSql.HoldRow nextHold() {
    long n = sequence.incrementAndGet();
    long now = System.currentTimeMillis();
    return new HoldSql.HoldRow("hold_jmh_" + n, walletId, Bucket.RMB, 40_000, "pending", "req_jmh_" + n,
        "{}", now, now + 90_000, "[]");
  }

  /** Two writer tasks, two commits: how the request path does it (hold before the call, post after). */
  @Benchmark
  public HoldSql.Posted holdThenSettle() {
    HoldSql.HoldRow hold = nextHold();
    store.writeNow(c -> HoldSql.take(c, hold, accountId));
    return store.writeNow(c -> HoldSql.post(c, hold.id(), 41, hold.requestId(), System.currentTimeMillis()));
  }

  /** The same from 8 threads at once: the writer batches their tasks into shared commits. */
  @Benchmark
  @Threads(8)
  public HoldSql.Posted holdThenSettle8Threads() {
    return holdThenSettle();
  }

  /**
   * The floor of any durable step on the request path: one round trip to the writer thread that updates one
   * row and commits. A durable hold before the upstream call costs at least this much, in latency and CPU.
   */
  @Benchmark
  public Integer oneRowCommit() {
    long n = sequence.incrementAndGet();
    return store.writeNow(c -> {
      try (java.sql.PreparedStatement s = c.prepareStatement("UPDATE settings SET value = ? WHERE name = 'jmh'")) {
        s.setString(1, Long.toString(n));
        return s.executeUpdate();
      }
    });
  }

  /** A round trip to the writer thread with nothing to write: the hand-over between threads alone. */
  @Benchmark
  public Integer emptyRoundTrip() {
    return store.writeNow(c -> 0);
  }

  /**
   * The floor of another storage design, for comparison only: the hold and then the settle each appended as one
   * row of an append-only table, two commits as on the request path, with balances, ledger rows and the
   * receipt written later in large batches (not measured here). Each commit then writes one or two pages of
   * log instead of the 4 and 12 the gateway writes today.
   */
  @Benchmark
  public Integer journalHoldThenSettle() {
    store.writeNow(c -> append(c, HOLD_RECORD));
    return store.writeNow(c -> append(c, SETTLE_RECORD));
  }

  private static Integer append(java.sql.Connection c, String record) throws java.sql.SQLException {
    try (java.sql.PreparedStatement s = c.prepareStatement("INSERT INTO jmh_journal (body) VALUES (?)")) {
      s.setString(1, record);
      return s.executeUpdate();
    }
  }

  /** Hold and post in one writer task and one commit: the SQL alone, without a second commit. */
  @Benchmark
  public HoldSql.Posted holdAndSettleOneCommit() {
    HoldSql.HoldRow hold = nextHold();
    return store.writeNow(c -> {
      HoldSql.take(c, hold, accountId);
      return HoldSql.post(c, hold.id(), 41, hold.requestId(), System.currentTimeMillis());
    });
  }
}

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
 * A durable hold taken and then posted at the actual cost, as the request path does it since the accounting core:
 * the core decides on the store's writer thread and each step appends one journal row (the projections follow in
 * batches, measured apart), through the group-commit writer on a temporary SQLite file (WAL, synchronous=NORMAL,
 * as the gateway opens it). No limit and no receipt: the gateway adds the receipt's row to the settle transaction.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HoldSettleBench {
  private final AtomicLong sequence = new AtomicLong();
  private Path dir;
  private Store store;
  private String accountId;
  private Accountant accountant;
  private static final HoldContext CONTEXT = new HoldContext("req_jmh", "acct", "proj", "key", "chat.completions",
      "chat-a", "routed", "primary", "main", "up-a", 120, false, 0);

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("tollgate-jmh-");
    store = Store.open(dir.resolve("tollgate.db"));
    Clock clock = Clock.systemUTC();
    accountId = new Tenants(store, clock).createAccount("jmh").id();
    accountant = Accountant.of(store, clock);
    new Ledger(accountant).topUp(accountId, Bucket.RMB, 1_000_000_000_000L, "jmh", null);
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

  private io.tollgate.ledger.core.Attempt nextHold() {
    long n = sequence.incrementAndGet();
    return new io.tollgate.ledger.core.Attempt("hold_jmh_" + n, "req_jmh_" + n, accountId, Bucket.RMB, 40_000,
        java.util.List.of(), System.currentTimeMillis() + 90_000);
  }

  /** Two writer tasks, two commits: how the request path does it (hold before the call, post after). */
  @Benchmark
  public Accountant.Posted holdThenSettle() {
    io.tollgate.ledger.core.Attempt hold = nextHold();
    store.writeNow(accountant.reserve(hold, CONTEXT));
    return store.writeNow(accountant.post(hold.holdId(), java.util.List.of(), 41, 100, Accountant.AlsoWrite.NOTHING));
  }

  /** The same from 8 threads at once: the writer batches their tasks into shared commits. */
  @Benchmark
  @Threads(8)
  public Accountant.Posted holdThenSettle8Threads() {
    return holdThenSettle();
  }

  /** The projections of 256 holds taken and posted: what the writer does off the request path per 256 requests. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @org.openjdk.jmh.annotations.Warmup(iterations = 5)
  @org.openjdk.jmh.annotations.Measurement(iterations = 20)
  public Void project256() {
    store.writeNow(c -> {
      for (int i = 0; i < 256; i++) {
        io.tollgate.ledger.core.Attempt hold = nextHold();
        accountant.reserve(hold, CONTEXT).run(c);
        accountant.post(hold.holdId(), java.util.List.of(), 41, 100, Accountant.AlsoWrite.NOTHING).run(c);
      }
      return null;
    });
    long start = System.nanoTime();
    store.writeNow(accountant.projection());
    return null;
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

  /** Hold and post in one writer task and one commit: the decisions and appends alone, without a second commit. */
  @Benchmark
  public Accountant.Posted holdAndSettleOneCommit() {
    io.tollgate.ledger.core.Attempt hold = nextHold();
    return store.writeNow(c -> {
      accountant.reserve(hold, CONTEXT).run(c);
      return accountant.post(hold.holdId(), java.util.List.of(), 41, 100, Accountant.AlsoWrite.NOTHING).run(c);
    });
  }
}

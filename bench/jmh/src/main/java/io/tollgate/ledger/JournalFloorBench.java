package io.tollgate.ledger;

import io.tollgate.store.Store;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The storage floor of an accounted request on the embedded store: the two journal rows a request must make durable
 * (its hold before the upstream call, its posting with the receipt before the answer), with the sizes the gateway
 * writes under bench/run.sh, appended through the store's writer on a temporary SQLite file opened as the gateway
 * opens it (WAL, {@code synchronous=NORMAL}, its checkpointer thread). Nothing else: no decision, no JSON writing, no
 * projection. {@code batch} requests share each commit, as concurrent requests do in the group commit (bench/run.sh
 * measured about 2.6 requests per commit at 32 connections and 14 at 256).
 *
 * <p>The score is wall time per invocation ({@code batch} requests) on one calling thread. The process's CPU time per request over each
 * measured iteration (the writer, the checkpointer and the caller together) is printed after the iteration as
 * {@code cpu_us_per_request}: what issue 16's CPU target compares.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class JournalFloorBench {
  /** Requests per commit. */
  @Param({"1", "4", "16"})
  public int batch;

  /** Sizes measured in a bench/run.sh database: a hold's event and request context, a posting's event and receipt. */
  private static final String HOLD_EVENT = "h".repeat(360);
  private static final String HOLD_CONTEXT = "c".repeat(393);
  private static final String POSTING_EVENT = "p".repeat(653);
  private static final String RECEIPT = "r".repeat(1_143);

  private Path dir;
  private Store store;
  private long seq;
  private long requests;
  private long cpuAtStart;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files.createTempDirectory("tollgate-jmh-floor-");
    store = Store.open(dir.resolve("tollgate.db"));
    seq = store.writeNow(c -> {
      try (var s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM journal"); var r = s.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    });
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Setup(Level.Iteration)
  public void startIteration() {
    requests = 0;
    cpuAtStart = processCpuNanos();
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    if (requests > 0) {
      System.out.printf("cpu_us_per_request batch=%d: %.1f%n", batch, (processCpuNanos() - cpuAtStart) / 1_000.0 / requests);
    }
  }

  /** {@code batch} requests: one commit appends their holds, a second their postings. */
  @Benchmark
  public Integer holdsThenPostings() {
    long first = seq;
    seq += 2L * batch;
    requests += batch;
    store.writeNow(c -> append(c, first, "hold", HOLD_EVENT, HOLD_CONTEXT));
    return store.writeNow(c -> append(c, first + batch, "posting", POSTING_EVENT, RECEIPT));
  }

  private Integer append(java.sql.Connection c, long after, String kind, String event, String annotation) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO journal (seq, kind, event, annotation, created_at) VALUES (?, ?, ?, ?, ?)")) {
      long now = System.currentTimeMillis();
      for (int i = 1; i <= batch; i++) {
        s.setLong(1, after + i);
        s.setString(2, kind);
        s.setString(3, event);
        s.setString(4, annotation);
        s.setLong(5, now);
        s.addBatch();
      }
      return s.executeBatch().length;
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}

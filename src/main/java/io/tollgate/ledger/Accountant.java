package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.ledger.core.AccountingCore;
import io.tollgate.ledger.core.Admission;
import io.tollgate.ledger.core.AdmitRequest;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.PlannedLimit;
import io.tollgate.ledger.core.PostOutcome;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.ledger.core.Standing;
import io.tollgate.ledger.core.Voided;
import io.tollgate.ledger.journal.Journal;
import io.tollgate.ledger.journal.JournalSql;
import io.tollgate.limits.Limits;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.store.SqlWork;
import io.tollgate.store.Store;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The accounting core at work in the embedded mode: it lives on the store's writer thread with its {@link Journal},
 * and this class turns each money step into one piece of writer work that decides (the core) and journals (the
 * store) in the same transaction. Callers get the work to queue ({@link Billing} on the request path) or run it
 * and wait (operators' movements, start-up). Nothing here computes money: the core does.
 */
public final class Accountant {
  private final Store store;
  private final Clock clock;
  private final Journal journal;
  /** Set on the writer thread when a projection is queued and not yet run. */
  private boolean projectionQueued;
  /**
   * Committed events waiting for projection at which the writer queues a pass by itself: {@link Journal#PROJECT_EVERY},
   * or that many more than were waiting when the last pass found another process projecting (so a busy cluster is
   * not asked again at every commit). Writer thread only.
   */
  private int projectAt = Journal.PROJECT_EVERY;
  /** Passes of {@link #follow}: done, and skipped because another process was projecting. Written on the writer. */
  private volatile long passesDone;
  private volatile long passesBusy;
  /** Passes that failed and were undone alone, per attempt, whoever asked for them; from any thread. */
  private final java.util.concurrent.atomic.AtomicLong passesFailed = new java.util.concurrent.atomic.AtomicLong();
  /** When the last failed pass was logged; writer thread only. */
  private long failureLoggedAtMs = Long.MIN_VALUE;
  /** Why the last pass failed, until one is done; written on the writer, read by reads that wait for a pass. */
  private volatile Throwable lastPassFailure;
  /**
   * What the transaction under way made of its passes (several catch-ups may share one): null for none, else whether
   * the first was done; counted once when it commits. Writer thread only.
   */
  private Boolean passOutcome;
  /** Events journaled in the transaction under way; writer thread only. */
  private final List<LedgerEvent> uncommitted = new java.util.ArrayList<>();
  private volatile java.util.function.Consumer<List<LedgerEvent>> committedEvents = events -> {};

  private Accountant(Store store, Clock clock, Journal journal) {
    this.store = store;
    this.clock = clock;
    this.journal = journal;
  }

  /**
   * The accountant of {@code store}: one per database, opened by the first caller (see {@link #open}); later callers
   * get the same one, whatever clock they pass.
   */
  public static Accountant of(Store store, Clock clock) {
    return store.attachment(Accountant.class, () -> open(store, clock));
  }

  /**
   * Opens the journal of {@code store} (migrating a database older than it), brings the projections up to date, and
   * wires the writer's hooks. Blocking; at start-up, before anything else writes.
   */
  private static Accountant open(Store store, Clock clock) {
    Journal journal = store.writeNow(c -> {
      Journal j = store.shared() ? Journal.openShared(c, clock.millis(), store.node()) : Journal.open(c, clock.millis());
      j.project(c, clock.millis());
      return j;
    });
    journal.committed();
    Accountant accountant = new Accountant(store, clock, journal);
    if (store.shared()) {
      // every write transaction first reads what the other processes appended (before the journal's lock, and again
      // under it)
      store.beforeWrite(journal::tail);
    }
    // the journal's rows of a transaction are written in one batch, just before it commits
    store.beforeCommit(journal::flush);
    store.afterCommit(accountant::afterCommit);
    store.afterRollback(c -> {
      accountant.uncommitted.clear();
      accountant.passOutcome = null;
      journal.rolledBack(c);
      accountant.projectionQueued = false;
      return null;
    });
    store.beforeRead(accountant::catchUp);
    // a stopped gateway leaves its projections whole: a read-only look at the file (ledger verify, listings) sees
    // every committed step. After a kill -9 they catch up at the next start.
    store.beforeClose(() -> {
      if (journal.behind() > 0) {
        store.writeNow(accountant.projection());
      }
    });
    return accountant;
  }

  private void afterCommit() {
    journal.committed();
    if (passOutcome != null) {
      if (passOutcome) {
        passesDone++;
      } else {
        passesBusy++;
      }
      passOutcome = null;
    }
    // however the projections caught up (a pass, or a projection under the journal's lock), the next pass is asked
    // for at most PROJECT_EVERY events from now
    projectAt = Math.min(projectAt, journal.waiting() + Journal.PROJECT_EVERY);
    // own events of a commit whose answer was lost come first: their seqs are older than this commit's
    List<LedgerEvent> late = journal.takeLateOwn();
    if (!uncommitted.isEmpty() || !late.isEmpty()) {
      List<LedgerEvent> events = new java.util.ArrayList<>(late);
      events.addAll(uncommitted);
      uncommitted.clear();
      committedEvents.accept(List.copyOf(events));
    }
    if (!projectionQueued && journal.waiting() >= projectAt) {
      projectionQueued = true;
      // a pass that fails is counted and logged where it fails (following); what reaches here failed its whole
      // transaction (the tail before it, the commit after it) or found the store stopped
      follow().exceptionally(e -> {
        if (!io.tollgate.store.StoreException.unreachable(e)) {
          org.slf4j.LoggerFactory.getLogger(Accountant.class).error("a projection pass's transaction failed: {}",
              e.getMessage(), e);
        }
        return null;
      });
    }
  }

  /**
   * A pass failed (a bad event, a full disk), on the writer thread: counted, remembered for the reads that wait for
   * it, asked for again by the writer only after another {@link Journal#PROJECT_EVERY} events, and logged with its
   * cause at most once a minute, since it is tried that often while the cause lasts.
   */
  private void passFailed(Throwable e) {
    lastPassFailure = e;
    // asked for again after that many more events, as a busy pass is: not at every commit
    projectAt = journal.waiting() + Journal.PROJECT_EVERY;
    long failed = passesFailed.incrementAndGet();
    long now = clock.millis();
    if (failureLoggedAtMs == Long.MIN_VALUE || now - failureLoggedAtMs >= 60_000 || now < failureLoggedAtMs) {
      org.slf4j.LoggerFactory.getLogger(Accountant.class).error("the journal's projections could not catch up ({} failed"
          + " passes so far; logged at most once a minute): {}", failed, e.getMessage(), e);
      failureLoggedAtMs = now;
    }
  }

  /**
   * Tells {@code listener} of the events each commit made durable, in journal order, on the writer thread and before
   * the committed work completes: what shared counters ({@code redis:}) learn postings, voids and movements from.
   * One listener; it must not block.
   */
  public void onCommitted(java.util.function.Consumer<List<LedgerEvent>> listener) {
    this.committedEvents = Objects.requireNonNull(listener, "listener");
  }

  /** Journals {@code event} in the writer's transaction; the committed-events listener hears of it after the commit. */
  private void append(LedgerEvent event, String annotation) {
    journal.append(event, annotation, clock.millis());
    uncommitted.add(event);
  }

  /** {@link #append} of a posting with its receipt, kept as it is for the projection (which need not parse it back). */
  private void appendPosting(LedgerEvent event, Receipt receipt) {
    journal.append(event, receipt == null ? null : Json.write(receipt), receipt, clock.millis());
    uncommitted.add(event);
  }

  /** Writer work that brings the projections up to date. */
  public SqlWork<Void> projection() {
    return c -> {
      projectionQueued = false;
      journal.project(c, clock.millis());
      return null;
    };
  }

  /**
   * Brings the projections up to date in a transaction of their own: on a shared store one that does not take the
   * journal's lock, which every write transaction of the cluster waits for ({@link Store#writeAside}); the
   * projections' own lock orders the processes' projections. How the projections follow the journal off the request
   * path; the work that must see them in its own transaction runs {@link #projection} there.
   */
  public java.util.concurrent.CompletableFuture<Boolean> follow() {
    return store.writeAside(following());
  }

  /** Projects, unless another process's transaction projects the shared journal now: then false, at once. */
  private SqlWork<Boolean> following() {
    return c -> {
      projectionQueued = false;
      boolean done;
      try {
        // in a savepoint: on a file the pass shares the batch under way, whose holds and postings must not be rolled
        // back with it for as long as the cause lasts
        done = journal.projectUnlessBusyIsolated(c, clock.millis());
      } catch (Journal.PassFailed failed) {
        passFailed(failed.getCause());
        return false;
      } catch (java.sql.SQLException | RuntimeException e) {
        passFailed(e);
        throw e;
      }
      if (done) {
        lastPassFailure = null;
      } else {
        // another process projects: ask again after that many more events (a commit lowers it once they catch up)
        projectAt = journal.waiting() + Journal.PROJECT_EVERY;
      }
      if (passOutcome == null) {
        passOutcome = done;
      }
      return done;
    };
  }

  /**
   * Passes that brought the projections up to date outside the journal's lock, passes skipped because another
   * process was projecting (both counted once per transaction, when it commits), and failed passes (counted per
   * attempt, whoever asked for it: a pass run again alone after another task failed its batch counts twice); from
   * any thread.
   */
  public long[] projectionPasses() {
    return new long[] {passesDone, passesBusy, passesFailed.get()};
  }

  /** Committed journal events the projections have not applied yet; from any thread. */
  public long behind() {
    return journal.behind();
  }

  /** Brings the projections up to date before a read, when they are behind; never on the writer thread. */
  private void catchUp() {
    if (store.onWriterThread()) {
      return;
    }
    // what the read must show: every event committed when it began. On a shared store the journal's end, since other
    // processes append too, read with the projections' position in one statement (another process may have projected
    // it all). On a file this process's last commit, read before its projections' position, which only moves forward:
    // a commit in between may move the first past it, never the second.
    long target;
    if (journal.shared()) {
      long[] ends = store.readAsIs(JournalSql::ends);
      target = ends[0];
      if (ends[1] >= target) {
        return;
      }
    } else {
      target = journal.committedSeq();
    }
    if (journal.projectedSeq() >= target) {
      return;
    }
    // a pass of this process's, after its tail, projects at least to target. While another process projects, this
    // thread (never the writer) waits, holding no connection, and looks again: that pass may have gone far enough.
    // The whole wait, for its own writer included, is bounded
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_WAIT_MS);
    for (int attempt = 0; ; attempt++) {
      long failedBefore = passesFailed.get();
      long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      if (leftMs <= 0) {
        throw new io.tollgate.store.StoreException("the journal's projections could not catch up within "
            + CATCH_UP_WAIT_MS + " ms (another process projecting, or this process's writer busy)", null);
      }
      if (store.writeAsideNow(following(), leftMs)) {
        return;
      }
      Throwable failure = lastPassFailure;
      if (failure != null && passesFailed.get() != failedBefore) {
        // a pass failed, not busy: waiting would not help, unless what this read needs was projected before it failed
        if (projectedFar(target)) {
          return;
        }
        throw new io.tollgate.store.StoreException("the journal's projections could not catch up: "
            + failure.getMessage(), failure);
      }
      long pause = Math.min(100, 1L << Math.min(attempt, 7));
      try {
        Thread.sleep(Math.max(1, Math.min(pause, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new io.tollgate.store.StoreException("interrupted while the projections caught up", e);
      }
      if (projectedFar(target)) {
        return;
      }
    }
  }

  /** Whether the projections, this process's or another's, have applied the journal up to {@code target}. */
  private boolean projectedFar(long target) {
    return journal.projectedSeq() >= target || (journal.shared() && store.readAsIs(JournalSql::projectedSeq) >= target);
  }

  /**
   * How long a read waits at most for the projections (another process's pass, this process's writer) before it
   * fails; measured on the monotonic clock from the read's first look.
   */
  private static final long CATCH_UP_WAIT_MS = 30_000;

  /** What the core says now, for a preview from any thread (a quote); see {@link AccountingCore}. */
  public AccountingCore view() {
    return journal.core();
  }

  // ---- the request path ---------------------------------------------------------------------------------------

  /** What admission decided, and the hold taken on the admitted leg (null when the request was refused). */
  public record Admitted(Admission admission, Hold hold) {}

  /**
   * Writer work: the leg walk of {@code request}, and on its admitted leg a hold of the leg's worst case on the
   * wallet and every planned limit, journaled before the work completes (so before any upstream call).
   *
   * @param holdId the hold's id; unique
   * @param expiresAtMs when the hold on leg i may be voided as abandoned
   * @param context the request context kept with the hold on leg i, for the receipt recovery writes
   */
  public SqlWork<Admitted> admit(AdmitRequest request, String holdId, String requestId, IntFunction<Long> expiresAtMs,
      IntFunction<HoldContext> context) {
    // the work may run twice (a batch rolled back by another task's failure runs each task again): channel health is
    // asked once per leg, so a probe slot the first run took is neither taken twice nor lost
    AdmitRequest once = request.withHealth(new AskedOnce(request.health()));
    return c -> {
      AccountingCore core = journal.core();
      Admission admission = core.admit(once);
      if (!admission.admitted()) {
        return new Admitted(admission, null);
      }
      int leg = admission.admittedLeg();
      Reserved reserved = core.reserve(admission.attempt(holdId, requestId, request.accountId(), expiresAtMs.apply(leg)));
      if (!(reserved instanceof Hold hold)) {
        // admission and reservation read the same state on the same thread: they cannot disagree
        throw new IllegalStateException("leg " + leg + " was admitted and then refused: " + reserved);
      }
      append(hold, Json.write(context.apply(leg)));
      return new Admitted(admission, hold);
    };
  }

  /**
   * Writer work: a hold of {@code attempt} as it stands (no leg walk), journaled with {@code context}; the core's
   * refusal when a limit or the balance does not cover it. For holds that are not a route's attempt.
   */
  public SqlWork<Reserved> reserve(io.tollgate.ledger.core.Attempt attempt, HoldContext context) {
    return c -> {
      Reserved reserved = journal.core().reserve(attempt);
      if (reserved instanceof Hold hold) {
        append(hold, Json.write(context));
      }
      return reserved;
    };
  }

  /** Channel health asked at most once per leg: later asks get the first answer. */
  private static final class AskedOnce implements io.tollgate.ledger.core.LegHealth {
    private final io.tollgate.ledger.core.LegHealth health;
    private final java.util.Map<Integer, Boolean> admits = new java.util.HashMap<>();

    AskedOnce(io.tollgate.ledger.core.LegHealth health) {
      this.health = health;
    }

    @Override
    public boolean admits(int legIndex) {
      return admits.computeIfAbsent(legIndex, health::admits);
    }

    @Override
    public boolean available(int legIndex) {
      return health.available(legIndex);
    }
  }

  /**
   * What posting did: the posting (null when the hold had already ended, and nothing was charged again), the
   * tightest planned limit after it, and each planned counter's settled use before and after (for budget alerts).
   */
  public record Posted(Posting posting, Standing tightest, List<Limits.Progress> progress, Receipt receipt) {}

  /** More to write in the transaction that settles a hold, knowing the posting (null when the hold had ended). */
  @FunctionalInterface
  public interface AlsoWrite {
    AlsoWrite NOTHING = (c, posting) -> {};

    void write(Connection c, Posting posting) throws SQLException;
  }

  /**
   * Writer work: posts {@code hold} at {@code costMicros} and journals the posting, then runs {@code also} (the
   * receipt, the idempotent result) in the same transaction: all of it commits, or none.
   */
  public SqlWork<Posted> post(String holdId, List<PlannedLimit> planned, long costMicros, long tokens, AlsoWrite also) {
    return post(holdId, planned, costMicros, tokens, null, also);
  }

  /**
   * {@link #post}, with the request's receipt: journaled with the posting that it explains (the receipts table is a
   * projection, like the charge's transfer), or written at once when the hold had already ended and nothing posted.
   *
   * @param receipt the receipt, given the posting (null when the hold had ended); null for none
   */
  public SqlWork<Posted> post(String holdId, List<PlannedLimit> planned, long costMicros, long tokens,
      java.util.function.Function<Posting, Receipt> receipt, AlsoWrite also) {
    return c -> {
      AccountingCore core = journal.core();
      long[] before = new long[planned.size()];
      for (int i = 0; i < before.length; i++) {
        before[i] = core.counterState(planned.get(i).counter()).spent();
      }
      PostOutcome outcome = core.post(holdId, costMicros, tokens);
      Posting posting = outcome instanceof Posting p ? p : null;
      Receipt explained = receipt == null ? null : receipt.apply(posting);
      if (posting != null) {
        appendPosting(posting, explained);
      } else if (explained != null) {
        ReceiptSql.insert(c, explained);
      }
      also.write(c, posting);
      List<Limits.Progress> progress = new java.util.ArrayList<>(planned.size());
      for (int i = 0; i < before.length; i++) {
        PlannedLimit p = planned.get(i);
        progress.add(new Limits.Progress(p.limit(), p.counter(), before[i], core.counterState(p.counter()).spent()));
      }
      return new Posted(posting, core.tightestStanding(planned), progress, explained);
    };
  }

  /** Writer work: voids {@code holdId} if it is pending; true when this voided it. */
  public SqlWork<Boolean> voidHold(String holdId, String reason) {
    return c -> {
      if (journal.core().voidHold(holdId, reason) instanceof Voided voided) {
        append(voided, null);
        return true;
      }
      return false;
    };
  }

  /** The tightest of {@code planned} now, as a response header tells it; from any thread. */
  public Standing standing(List<PlannedLimit> planned) {
    return journal.core().tightestStanding(planned);
  }

  /** A limit counter as {@code [spent, held]}, for display; from any thread. */
  public long[] counter(String key) {
    Snapshot.CounterState s = journal.core().counterState(key);
    return new long[] {s.spent(), s.held()};
  }

  // ---- recovery ---------------------------------------------------------------------------------------------

  /**
   * Writer work: voids every pending hold (a crash or a stop left them; start-up runs this before any request) or,
   * when {@code expiredBefore} is not null, those whose TTL ended before it; returns the voids, journaled and
   * projected, so that the caller can write their receipts from the projected hold rows.
   */
  SqlWork<List<Voided>> resolve(Long expiredBefore) {
    return c -> {
      AccountingCore core = journal.core();
      List<Voided> voided = expiredBefore != null ? core.expire(expiredBefore)
          : journal.shared() ? core.recover(ownHolds(c, core)) : core.recover();
      for (Voided v : voided) {
        append(v, null);
      }
      journal.project(c, clock.millis());
      return voided;
    };
  }

  /**
   * On a shared journal, the pending holds this node appended (a restart under the same node name): the only ones it
   * knows no live process serves. Other processes' holds end by their expiry (docs/scale-out.md).
   */
  private java.util.function.Predicate<Hold> ownHolds(Connection c, AccountingCore core) throws SQLException {
    journal.flush(c); // the rows of holds appended earlier in this transaction, for the query below
    long oldest = core.pending().stream().mapToLong(Hold::seq).min().orElse(Long.MAX_VALUE);
    java.util.Set<Long> mine = oldest == Long.MAX_VALUE ? java.util.Set.of()
        : io.tollgate.ledger.journal.JournalSql.holdsOf(c, journal.node(), oldest);
    return h -> mine.contains(h.seq());
  }

  /** Whether other gateway processes share this journal (PostgreSQL). */
  public boolean shared() {
    return journal.shared();
  }

  /** Forgets limit counters of windows long ended that nothing holds; writer work. Returns how many. */
  public SqlWork<Integer> forgetCounters(java.util.function.Predicate<String> ended) {
    return c -> journal.core().forgetCounters(ended);
  }

  // ---- operators' movements -----------------------------------------------------------------------------------

  /**
   * Writer work for a movement an operator or a customer asks for: projections are brought up to date first (so a
   * replayed transfer id is found), {@code step} decides on the core and returns its events, which are journaled
   * with {@code note} and projected in the same transaction.
   */
  <T> SqlWork<T> move(MoveStep<T> step) {
    return c -> {
      journal.project(c, clock.millis());
      T result = step.run(c, journal.core(), (event, annotation) -> append(event, annotation));
      journal.project(c, clock.millis());
      return result;
    };
  }

  /** One operator's movement: reads what it needs from {@code c}, decides on {@code core}, journals each event. */
  @FunctionalInterface
  interface MoveStep<T> {
    T run(Connection c, AccountingCore core, Journaling journaling) throws SQLException;
  }

  @FunctionalInterface
  interface Journaling {
    void append(LedgerEvent event, String annotation) throws SQLException;
  }

  /** A wallet's state as the core holds it now; from any thread. */
  public Snapshot.WalletState wallet(String accountId, Bucket bucket) {
    return journal.core().walletState(Objects.requireNonNull(accountId), bucket);
  }

  Store store() {
    return store;
  }

  Clock clock() {
    return clock;
  }
}

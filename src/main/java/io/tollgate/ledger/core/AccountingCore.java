package io.tollgate.ledger.core;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Metric;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Every money decision of the gateway, as pure state transitions over balances, pending holds and limit counters
 * held in memory.
 *
 * <p>Contract: <b>one writer, by design.</b> One thread owns an instance (the store's writer) and calls every
 * method that changes it; decisions are then atomic without locks, which is what makes a reservation over a wallet
 * and every limit "all or none". Other threads may call the reading methods ({@link #admit}, {@link
 * #availableMicros}, {@link #walletState}, {@link #counterState}) for a preview, such as a quote: each field they
 * read is a recent value, never a torn one, but two fields may be of two moments.
 *
 * <p>Each operation either refuses (a typed value; nothing changed) or produces one {@link LedgerEvent}, already
 * applied, which the caller gives to a {@link LedgerStore} to make durable before acting on it (a hold before the
 * upstream call, a posting before the response). Start-up restores the latest {@link Snapshot}, {@link #replay}s the
 * journal after it and calls {@link #recover}. Exceptions mean a caller's bug (a reused hold id, a negative cost, a
 * journal with a gap), never a refusal.
 */
public final class AccountingCore {
  private static final SystemAccount[] SYSTEM = SystemAccount.values();
  private static final Bucket[] BUCKETS = Bucket.values();
  /** The largest single movement or overdraft, as the ledger's API accepts it (the ledger's {@code Money}). */
  static final long MAX_MOVEMENT_MICROS = 1_000_000_000_000_000L;

  /** Customer wallets by account id, indexed by bucket ordinal. */
  private final Map<String, Wallet[]> wallets = new ConcurrentHashMap<>();
  /** System account balances, by kind and bucket ordinal. */
  private final long[][] system = new long[SYSTEM.length][BUCKETS.length];
  /** Pending holds by id, in the order they were taken. */
  private final LinkedHashMap<String, Hold> pending = new LinkedHashMap<>();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private volatile long seq;

  private static final class Wallet {
    volatile long balance;
    volatile long held;
    volatile long overdraft;

    long available() {
      return AccountingCore.available(balance, overdraft, held);
    }
  }

  private static final class Counter {
    volatile long spent;
    volatile long held;
  }

  public AccountingCore() {}

  // ---- decisions -------------------------------------------------------------------------------------------

  /** The leg walk of one request: which leg would serve, at what worst case, and why the others would not. */
  public Admission admit(AdmitRequest request) {
    return LegWalk.walk(this, request);
  }

  /**
   * Takes a hold of {@code attempt}'s worst case on its wallet and on every planned limit, or none of them: the
   * tightest limit refusal first (as the request path checks limits before the balance), then the balance.
   *
   * @throws IllegalArgumentException when a hold with this id is pending
   */
  public Reserved reserve(Attempt attempt) {
    if (pending.containsKey(attempt.holdId())) {
      throw new IllegalArgumentException("holdId: " + attempt.holdId() + " is pending (expected: a new id)");
    }
    LimitRefused refused = tightest(attempt.limits());
    if (refused != null) {
      return refused;
    }
    long available = availableMicros(attempt.accountId(), attempt.bucket());
    if (available < attempt.amountMicros()) {
      return new BalanceRefused(attempt.accountId(), attempt.bucket(), available, attempt.amountMicros());
    }
    List<CounterClaim> claims = new ArrayList<>(attempt.limits().size());
    for (PlannedLimit p : attempt.limits()) {
      claims.add(p.claim());
    }
    Hold hold = new Hold(seq + 1, attempt.holdId(), attempt.requestId(), attempt.accountId(), attempt.bucket(),
        attempt.amountMicros(), claims, attempt.expiresAtMs());
    apply(hold);
    return hold;
  }

  /**
   * Ends a pending hold at {@code actualCostMicros}: charges the actual cost, or what the wallet can pay once this
   * hold is released when that is less (never below zero beyond its overdraft); releases the hold; counts on each
   * counter the charged micro-units (spend), {@code tokens} (tokens) or one request. A hard spend cap (a research run's
   * envelope, {@link CounterClaim#hard}) is never passed: the charge is at most what it has left, the rest uncollected. A hold that is not pending
   * gives {@link NotPending} and changes nothing.
   */
  public PostOutcome post(String holdId, long actualCostMicros, long tokens) {
    if (actualCostMicros < 0 || tokens < 0) {
      throw new IllegalArgumentException("actualCostMicros: " + actualCostMicros + ", tokens: " + tokens + " (expected: >= 0)");
    }
    Hold hold = pending.get(holdId);
    if (hold == null) {
      return new NotPending(holdId);
    }
    Wallet wallet = wallet(hold.accountId(), hold.bucket());
    long available = wallet.balance + wallet.overdraft - (wallet.held - hold.amountMicros());
    long charge = Math.min(actualCostMicros, Math.max(0, available));
    for (CounterClaim claim : hold.claims()) {
      if (claim.hard() && claim.metric() == Metric.SPEND) {
        // a hard cap is never passed, not even by usage beyond the hold: what it leaves is all that is charged
        Counter c = counters.get(claim.counter());
        long othersHeld = c == null ? 0 : Math.max(0, c.held - claim.amount());
        long spent = c == null ? 0 : c.spent;
        charge = Math.min(charge, Math.max(0, claim.cap() - spent - othersHeld));
      }
    }
    List<CounterDelta> deltas = new ArrayList<>(hold.claims().size());
    for (CounterClaim claim : hold.claims()) {
      long used = switch (claim.metric()) {
        case SPEND -> charge;
        case TOKENS -> tokens;
        case REQUESTS -> 1;
      };
      deltas.add(new CounterDelta(claim.counter(), claim.amount(), used));
    }
    List<Entry> entries = List.of();
    if (charge > 0) {
      String transferId = "charge:" + hold.requestId();
      entries = List.of(new Entry(transferId, LedgerIds.wallet(hold.accountId(), hold.bucket()), hold.bucket(), -charge),
          new Entry(transferId, LedgerIds.system(SystemAccount.REVENUE, hold.bucket()), hold.bucket(), charge));
    }
    Posting posting = new Posting(seq + 1, holdId, hold.requestId(), hold.accountId(), hold.bucket(), hold.amountMicros(),
        actualCostMicros, charge, wallet.balance, entries, deltas);
    apply(posting);
    return posting;
  }

  /** Ends a pending hold without a charge; {@link NotPending} (and no change) when it is not pending. */
  public VoidOutcome voidHold(String holdId, String reason) {
    Objects.requireNonNull(reason, "reason");
    Hold hold = pending.get(holdId);
    if (hold == null) {
      return new NotPending(holdId);
    }
    List<CounterDelta> deltas = new ArrayList<>(hold.claims().size());
    for (CounterClaim claim : hold.claims()) {
      deltas.add(new CounterDelta(claim.counter(), claim.amount(), 0));
    }
    Voided voided = new Voided(seq + 1, holdId, hold.requestId(), hold.accountId(), hold.bucket(), hold.amountMicros(),
        reason, deltas);
    apply(voided);
    return voided;
  }

  /**
   * Voids every pending hold, oldest first: what start-up does after a crash, since the gateway cannot prove what
   * an upstream produced for a request it no longer serves (docs/billing.md). Returns the voids, to journal.
   */
  public List<Voided> recover() {
    return voidAll(h -> true, "recovered_on_startup");
  }

  /**
   * Voids the pending holds {@code which} picks, oldest first, as {@link #recover} does: for a process that shares its
   * journal with others and restarts, whose own holds are the only ones it knows to be abandoned.
   */
  public List<Voided> recover(Predicate<Hold> which) {
    return voidAll(which, "recovered_on_startup");
  }

  /** Voids the pending holds whose TTL ended before {@code nowMs}, as abandoned. */
  public List<Voided> expire(long nowMs) {
    return voidAll(h -> h.expiresAtMs() < nowMs, "expired");
  }

  private List<Voided> voidAll(Predicate<Hold> which, String reason) {
    List<Voided> out = new ArrayList<>();
    for (Hold hold : new ArrayList<>(pending.values())) {
      if (which.test(hold)) {
        out.add((Voided) voidHold(hold.id(), reason));
      }
    }
    return out;
  }

  /** Puts {@code micros} into a wallet from the bucket's top-up source. A store refuses a replayed transfer id first. */
  public Movement topUp(String transferId, String accountId, Bucket bucket, long micros) {
    requireAmount(micros);
    return move(transferId, Movement.Kind.TOPUP, accountId, bucket, micros, SystemAccount.TOPUP_SOURCE);
  }

  /** A signed correction against the bucket's adjustment account; a debit never exceeds the available balance. */
  public MovementOutcome adjust(String transferId, String accountId, Bucket bucket, long signedMicros) {
    requireAmount(Math.abs(signedMicros));
    long available = availableMicros(accountId, bucket);
    if (signedMicros < 0 && available < -signedMicros) {
      return new BalanceRefused(accountId, bucket, available, -signedMicros);
    }
    return move(transferId, Movement.Kind.ADJUSTMENT, accountId, bucket, signedMicros, SystemAccount.ADJUSTMENT);
  }

  /**
   * One side of an explicit conversion between buckets, against the bucket's conversion account: a negative amount
   * leaves the wallet (never beyond its available balance), a positive one arrives in it.
   */
  public MovementOutcome convert(String transferId, String accountId, Bucket bucket, long signedMicros) {
    requireAmount(Math.abs(signedMicros));
    long available = availableMicros(accountId, bucket);
    if (signedMicros < 0 && available < -signedMicros) {
      return new BalanceRefused(accountId, bucket, available, -signedMicros);
    }
    return move(transferId, Movement.Kind.CONVERSION, accountId, bucket, signedMicros, SystemAccount.CONVERSION);
  }

  private Movement move(String transferId, Movement.Kind kind, String accountId, Bucket bucket, long signed, SystemAccount other) {
    Objects.requireNonNull(transferId, "transferId");
    Wallet current = wallet(accountId, bucket);
    long balance = current == null ? 0 : current.balance;
    if (signed > 0 && balance > Long.MAX_VALUE - signed) {
      throw new IllegalArgumentException("crediting " + signed + " micro-units would overflow wallet " + accountId + " " + bucket);
    }
    String walletId = LedgerIds.wallet(accountId, bucket);
    String systemId = LedgerIds.system(other, bucket);
    List<Entry> entries = signed > 0
        ? List.of(new Entry(transferId, systemId, bucket, -signed), new Entry(transferId, walletId, bucket, signed))
        : List.of(new Entry(transferId, walletId, bucket, signed), new Entry(transferId, systemId, bucket, -signed));
    Movement movement = new Movement(seq + 1, transferId, kind, accountId, bucket, signed, entries);
    apply(movement);
    return movement;
  }

  /** Sets how far below zero a wallet may go; never below what it already uses ({@code held - balance}). */
  public OverdraftOutcome setOverdraft(String accountId, Bucket bucket, long overdraftMicros) {
    if (overdraftMicros < 0 || overdraftMicros > MAX_MOVEMENT_MICROS) {
      throw new IllegalArgumentException("overdraftMicros: " + overdraftMicros + " (expected: >= 0 and <= "
          + MAX_MOVEMENT_MICROS + ")");
    }
    Wallet wallet = wallet(accountId, bucket);
    long lowest = wallet == null ? 0 : Math.max(0, wallet.held - wallet.balance);
    if (overdraftMicros < lowest) {
      return new OverdraftOutcome.TooLow(accountId, bucket, overdraftMicros, lowest);
    }
    OverdraftSet set = new OverdraftSet(seq + 1, accountId, bucket, overdraftMicros);
    apply(set);
    return set;
  }

  /**
   * Forgets counters that nothing holds and whose window {@code ended} (a counter key's test, such as
   * {@code Window.endedLongBefore} on its window part): admission only reads current windows. Returns how many.
   */
  public int forgetCounters(Predicate<String> ended) {
    int before = counters.size();
    counters.entrySet().removeIf(e -> e.getValue().held == 0 && ended.test(e.getKey()));
    return before - counters.size();
  }

  // ---- the one place state changes ---------------------------------------------------------------------------

  /**
   * Applies a journaled event without deciding anything: for start-up, after {@link #restore}. Events must come in
   * order, each {@code seq} one past the last.
   *
   * @throws IllegalStateException on a gap, or an event that does not fit the state (a journal to repair)
   */
  public void replay(LedgerEvent event) {
    if (event.seq() != seq + 1) {
      throw new IllegalStateException("journal event " + event.seq() + " after " + seq + " (expected: " + (seq + 1) + ")");
    }
    boolean fits = event instanceof Hold h ? !pending.containsKey(h.id())
        : event instanceof Posting p ? pending.containsKey(p.holdId())
        : !(event instanceof Voided v) || pending.containsKey(v.holdId());
    if (!fits) {
      throw new IllegalStateException("journal event " + event.seq() + " does not fit the state: " + event);
    }
    apply(event);
  }

  private void apply(LedgerEvent event) {
    if (event instanceof Hold h) {
      walletForWrite(h.accountId(), h.bucket()).held += h.amountMicros();
      for (CounterClaim c : h.claims()) {
        counter(c.counter()).held += c.amount();
      }
      pending.put(h.id(), h);
    } else if (event instanceof Posting p) {
      Wallet w = walletForWrite(p.accountId(), p.bucket());
      w.held -= p.heldMicros();
      w.balance -= p.chargedMicros();
      system[SystemAccount.REVENUE.ordinal()][p.bucket().ordinal()] += p.chargedMicros();
      release(p.counters());
      pending.remove(p.holdId());
    } else if (event instanceof Voided v) {
      walletForWrite(v.accountId(), v.bucket()).held -= v.amountMicros();
      release(v.counters());
      pending.remove(v.holdId());
    } else if (event instanceof Movement m) {
      walletForWrite(m.accountId(), m.bucket()).balance += m.signedMicros();
      system[m.kind().systemAccount().ordinal()][m.bucket().ordinal()] -= m.signedMicros();
    } else if (event instanceof OverdraftSet o) {
      walletForWrite(o.accountId(), o.bucket()).overdraft = o.overdraftMicros();
    }
    seq = event.seq();
  }

  private void release(List<CounterDelta> deltas) {
    for (CounterDelta d : deltas) {
      Counter c = counter(d.counter());
      c.held = Math.max(0, c.held - d.released());
      c.spent += d.used();
    }
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  /** What a wallet may still hold: its balance, plus the overdraft it is granted, less what pending holds reserve. */
  public static long available(long balanceMicros, long overdraftMicros, long heldMicros) {
    return balanceMicros + overdraftMicros - heldMicros;
  }

  /** What is left of a limit's cap after its settled use and what pending holds reserve of it; never below zero. */
  public static long remaining(Limit limit, long spent, long held) {
    return Math.max(0, limit.cap() - spent - held);
  }

  /** What a hold on the account's wallet of {@code bucket} may take: {@code balance + overdraft - held}. */
  public long availableMicros(String accountId, Bucket bucket) {
    Wallet w = wallet(accountId, bucket);
    return w == null ? 0 : w.available();
  }

  /** A wallet's state; zeros for a wallet never used. */
  public Snapshot.WalletState walletState(String accountId, Bucket bucket) {
    Wallet w = wallet(accountId, bucket);
    return w == null ? new Snapshot.WalletState(accountId, bucket, 0, 0, 0)
        : new Snapshot.WalletState(accountId, bucket, w.balance, w.held, w.overdraft);
  }

  /** A counter's state; zeros for a counter never used. */
  public Snapshot.CounterState counterState(String key) {
    Counter c = counters.get(key);
    return c == null ? new Snapshot.CounterState(key, 0, 0) : new Snapshot.CounterState(key, c.spent, c.held);
  }

  public long systemBalance(SystemAccount account, Bucket bucket) {
    return system[account.ordinal()][bucket.ordinal()];
  }

  /** Pending holds, oldest first. */
  public List<Hold> pending() {
    return List.copyOf(pending.values());
  }

  /** The last event applied. */
  public long lastSeq() {
    return seq;
  }

  /**
   * Of {@code planned}, the limit with the smallest share of its cap left now, and what is left of it: what a
   * response tells its client. Null when nothing is planned.
   */
  public Standing tightestStanding(List<PlannedLimit> planned) {
    Standing best = null;
    for (PlannedLimit p : planned) {
      Counter c = counters.get(p.counter());
      long used = c == null ? 0 : c.spent + c.held;
      long remaining = remaining(p.limit(), Math.max(0, used), 0);
      long cap = Math.max(1, p.limit().cap());
      if (best == null || java.math.BigInteger.valueOf(remaining).multiply(java.math.BigInteger.valueOf(Math.max(1, best.limit().cap())))
          .compareTo(java.math.BigInteger.valueOf(best.remaining()).multiply(java.math.BigInteger.valueOf(cap))) < 0) {
        best = new Standing(p.limit(), remaining);
      }
    }
    return best;
  }

  /** The tightest limit {@code planned} would exceed (the least room left; the first on a tie), or null. */
  LimitRefused tightest(List<PlannedLimit> planned) {
    LimitRefused tightest = null;
    for (PlannedLimit p : planned) {
      Counter c = counters.get(p.counter());
      long spent = c == null ? 0 : c.spent;
      long held = c == null ? 0 : c.held;
      if (spent + held + p.amount() > p.limit().cap()) {
        LimitRefused refusal = new LimitRefused(p.limit(), p.counter(), spent, held, p.amount(), p.resetsAt());
        if (tightest == null || refusal.remaining() < tightest.remaining()) {
          tightest = refusal;
        }
      }
    }
    return tightest;
  }

  /**
   * What {@code limit} reserves for an attempt paid from {@code bucket}: the worst case for a spend limit of that
   * bucket, the tokens for a token limit, one for a request limit; -1 when it does not apply (a spend limit of
   * another bucket).
   */
  public static long amount(Limit limit, Bucket bucket, long worstCaseMicros, long tokens) {
    return switch (limit.metric()) {
      case SPEND -> limit.bucket() == bucket ? worstCaseMicros : -1;
      case TOKENS -> tokens;
      case REQUESTS -> 1;
    };
  }

  // ---- snapshots -----------------------------------------------------------------------------------------------

  public Snapshot snapshot() {
    List<Snapshot.WalletState> ws = new ArrayList<>();
    wallets.forEach((account, byBucket) -> {
      for (Bucket b : BUCKETS) {
        Wallet w = byBucket[b.ordinal()];
        if (w != null) {
          ws.add(new Snapshot.WalletState(account, b, w.balance, w.held, w.overdraft));
        }
      }
    });
    List<Snapshot.SystemBalance> sys = new ArrayList<>();
    for (SystemAccount a : SYSTEM) {
      for (Bucket b : BUCKETS) {
        if (system[a.ordinal()][b.ordinal()] != 0) {
          sys.add(new Snapshot.SystemBalance(a, b, system[a.ordinal()][b.ordinal()]));
        }
      }
    }
    List<Snapshot.CounterState> cs = new ArrayList<>();
    counters.forEach((key, c) -> cs.add(new Snapshot.CounterState(key, c.spent, c.held)));
    return new Snapshot(seq, ws, sys, List.copyOf(pending.values()), cs);
  }

  /**
   * The core a store's journal describes: its snapshot (or an empty core) with every later event replayed. Start-up
   * then calls {@link #recover} and journals the voids before taking requests.
   */
  public static AccountingCore rebuild(LedgerStore.Journal journal) {
    AccountingCore core = journal.snapshot() == null ? new AccountingCore() : restore(journal.snapshot());
    journal.events().forEach(core::replay);
    return core;
  }

  /**
   * A core in the state of {@code snapshot}.
   *
   * @throws IllegalArgumentException when what the snapshot says is held differs from its pending holds
   */
  public static AccountingCore restore(Snapshot snapshot) {
    AccountingCore core = new AccountingCore();
    for (Snapshot.WalletState w : snapshot.wallets()) {
      Wallet wallet = core.walletForWrite(w.accountId(), w.bucket());
      wallet.balance = w.balanceMicros();
      wallet.overdraft = w.overdraftMicros();
    }
    for (Snapshot.SystemBalance s : snapshot.systemBalances()) {
      core.system[s.account().ordinal()][s.bucket().ordinal()] = s.balanceMicros();
    }
    for (Snapshot.CounterState c : snapshot.counters()) {
      core.counter(c.counter()).spent = c.spent();
    }
    snapshot.pending().stream().sorted(Comparator.comparingLong(Hold::seq)).forEach(h -> {
      core.walletForWrite(h.accountId(), h.bucket()).held += h.amountMicros();
      h.claims().forEach(c -> core.counter(c.counter()).held += c.amount());
      core.pending.put(h.id(), h);
    });
    // held is derived from the pending holds; a snapshot that says otherwise is damaged
    for (Snapshot.WalletState w : snapshot.wallets()) {
      if (core.wallet(w.accountId(), w.bucket()).held != w.heldMicros()) {
        throw new IllegalArgumentException("snapshot " + snapshot.seq() + ": wallet " + w.accountId() + " " + w.bucket()
            + " holds " + w.heldMicros() + " (expected: " + core.wallet(w.accountId(), w.bucket()).held
            + ", the sum of its pending holds)");
      }
    }
    for (Snapshot.CounterState c : snapshot.counters()) {
      if (core.counters.get(c.counter()).held != c.held()) {
        throw new IllegalArgumentException("snapshot " + snapshot.seq() + ": counter " + c.counter() + " holds " + c.held()
            + " (expected: " + core.counters.get(c.counter()).held + ", the sum of its pending claims)");
      }
    }
    core.seq = snapshot.seq();
    return core;
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private Wallet wallet(String accountId, Bucket bucket) {
    Wallet[] byBucket = wallets.get(accountId);
    return byBucket == null ? null : byBucket[bucket.ordinal()];
  }

  private Wallet walletForWrite(String accountId, Bucket bucket) {
    Wallet[] byBucket = wallets.computeIfAbsent(accountId, k -> new Wallet[BUCKETS.length]);
    Wallet w = byBucket[bucket.ordinal()];
    if (w == null) {
      w = new Wallet();
      byBucket[bucket.ordinal()] = w;
    }
    return w;
  }

  private Counter counter(String key) {
    return counters.computeIfAbsent(key, k -> new Counter());
  }

  private static void requireAmount(long micros) {
    if (micros <= 0 || micros > MAX_MOVEMENT_MICROS) {
      throw new IllegalArgumentException("amount: " + micros + " micro-units (expected: > 0 and <= "
          + MAX_MOVEMENT_MICROS + ")");
    }
  }
}

package io.tollgate.ledger.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.LedgerIds;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import io.tollgate.limits.Limit;
import io.tollgate.limits.Metric;
import io.tollgate.limits.Scope;
import io.tollgate.limits.Window;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;

/**
 * Random sequences of top-ups, adjustments, overdrafts, holds (amounts and limits at their edges), posts (below, at
 * and above the hold), voids, repeated ends, expiries, snapshots and crashes (also between a decision and its journal
 * append), each crash followed by a rebuild from the store and {@link AccountingCore#recover}. After every step the
 * core's state is checked against the journal and the invariants of DESIGN.md. A failure prints its seed; CI runs a
 * fixed one.
 */
class AccountingCorePropertyTest {
  static final List<String> ACCOUNTS = List.of("acct-a", "acct-b");
  static final List<Limit> LIMITS = List.of(
      limit("lim-credit", Metric.SPEND, Bucket.CREDIT, 60_000),
      limit("lim-rmb", Metric.SPEND, Bucket.RMB, 90_000),
      limit("lim-tokens", Metric.TOKENS, null, 4_000),
      limit("lim-requests", Metric.REQUESTS, null, 7));

  sealed interface Op permits TopUp, Adjust, Overdraft, Reserve, Post, VoidHold, Expire, TakeSnapshot, Crash {}

  record TopUp(int account, Bucket bucket, long micros) implements Op {}

  record Adjust(int account, Bucket bucket, long signedMicros) implements Op {}

  record Overdraft(int account, Bucket bucket, long micros) implements Op {}

  /** {@code edge}: 0 the base amount, 1 exactly what the wallet has, 2 one more, 3 exactly a limit's room, 4 one more. */
  record Reserve(int account, Bucket bucket, long baseMicros, long baseTokens, int limitMask, int edge, long expiresAtMs,
      boolean lostBeforeDurable) implements Op {}

  /**
   * {@code usage}: 0 below the hold, 1 at it, 2 above it. {@code hold} picks among pending holds, or, when
   * {@code ended}, among every hold ever taken (most of which have ended: a repeated end).
   */
  record Post(int hold, boolean ended, int usage, long delta, long tokens, boolean lostBeforeDurable) implements Op {}

  record VoidHold(int hold, boolean ended, boolean lostBeforeDurable) implements Op {}

  record Expire(long nowMs) implements Op {}

  record TakeSnapshot() implements Op {}

  record Crash() implements Op {}

  @Property(tries = 1500, seed = "4242424242", shrinking = ShrinkingMode.BOUNDED)
  void everyStepKeepsTheLedgerBalancedAndEveryHoldEndsOnce(@ForAll("operations") List<Op> ops) {
    Harness h = new Harness();
    for (Op op : ops) {
      h.run(op);
      h.checkInvariants();
    }
    h.crashAndRecover();
    h.checkInvariants();
    assertThat(h.core.pending()).isEmpty();
    h.checkEveryHoldEndedOnce(true);
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Integer> account = Arbitraries.integers().between(0, ACCOUNTS.size() - 1);
    Arbitrary<Bucket> bucket = Arbitraries.of(Bucket.class);
    Arbitrary<Boolean> lost = Arbitraries.integers().between(0, 19).withoutEdgeCases().map(i -> i == 0);
    Arbitrary<Op> topUp = Combinators.combine(account, bucket, Arbitraries.longs().between(1, 400_000)).as(TopUp::new);
    Arbitrary<Op> adjust = Combinators.combine(account, bucket, Arbitraries.longs().between(-50_000, 50_000).filter(v -> v != 0))
        .as(Adjust::new);
    Arbitrary<Op> overdraft = Combinators.combine(account, bucket, Arbitraries.longs().between(0, 30_000)).as(Overdraft::new);
    Arbitrary<Op> reserve = Combinators.combine(account, bucket, Arbitraries.longs().between(0, 20_000),
        Arbitraries.longs().between(0, 1_500), Arbitraries.integers().between(0, 15),
        Arbitraries.integers().between(0, 7).map(e -> e > 4 ? 0 : e),
        Arbitraries.longs().between(0, 1_000), lost).as(Reserve::new);
    Arbitrary<Boolean> ended = Arbitraries.integers().between(0, 4).withoutEdgeCases().map(i -> i == 0);
    Arbitrary<Op> post = Combinators.combine(Arbitraries.integers().between(0, 1_000), ended, Arbitraries.integers().between(0, 2),
        Arbitraries.longs().between(0, 30_000), Arbitraries.longs().between(0, 2_000), lost).as(Post::new);
    Arbitrary<Op> voidHold = Combinators.combine(Arbitraries.integers().between(0, 1_000), ended, lost).as(VoidHold::new);
    Arbitrary<Op> expire = Arbitraries.longs().between(0, 1_000).map(Expire::new);
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, topUp), net.jqwik.api.Tuple.of(1, adjust), net.jqwik.api.Tuple.of(1, overdraft),
        net.jqwik.api.Tuple.of(12, reserve), net.jqwik.api.Tuple.of(3, post), net.jqwik.api.Tuple.of(1, voidHold),
        net.jqwik.api.Tuple.of(1, expire), net.jqwik.api.Tuple.of(1, Arbitraries.<Op>just(new TakeSnapshot())),
        net.jqwik.api.Tuple.of(1, Arbitraries.<Op>just(new Crash())));
    return op.list().ofMinSize(1).ofMaxSize(80).withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
  }

  private static Limit limit(String id, Metric metric, Bucket bucket, long cap) {
    return new Limit(id, Scope.ACCOUNT, null, null, null, null, metric, bucket, Window.LIFETIME, cap, false, "admin");
  }

  static String counter(Limit limit, String account) {
    return limit.id() + "|" + account + "|all";
  }

  /** The core, its store, and what the test has seen of both. */
  static final class Harness {
    final InMemoryLedgerStore store = new InMemoryLedgerStore();
    AccountingCore core = new AccountingCore();
    final List<String> holdIds = new ArrayList<>();
    int transfers;
    /** Journal events already folded into the projections below. */
    int projected;
    final Map<String, Long> entrySums = new HashMap<>();
    final Map<Bucket, Long> bucketSums = new HashMap<>();
    final Map<String, Long> declaredExcess = new HashMap<>();
    final Map<String, Long> countedUse = new HashMap<>();

    void run(Op op) {
      if (op instanceof TopUp t) {
        durable(core.topUp("t" + transfers++, ACCOUNTS.get(t.account()), t.bucket(), t.micros()), false);
      } else if (op instanceof Adjust a) {
        adjust(a);
      } else if (op instanceof Overdraft o) {
        overdraft(o);
      } else if (op instanceof Reserve r) {
        reserve(r);
      } else if (op instanceof Post p) {
        post(p);
      } else if (op instanceof VoidHold v) {
        voidHold(v);
      } else if (op instanceof Expire e) {
        core.expire(e.nowMs()).forEach(voided -> durable(voided, false));
      } else if (op instanceof TakeSnapshot) {
        store.saveSnapshot(core.snapshot());
      } else {
        crashAndRecover();
      }
    }

    private void adjust(Adjust a) {
      String account = ACCOUNTS.get(a.account());
      long available = core.availableMicros(account, a.bucket());
      Snapshot before = core.snapshot();
      MovementOutcome outcome = core.adjust("t" + transfers++, account, a.bucket(), a.signedMicros());
      if (a.signedMicros() < 0 && available < -a.signedMicros()) {
        assertThat(outcome).isEqualTo(new BalanceRefused(account, a.bucket(), available, -a.signedMicros()));
        assertUnchanged(before);
      } else {
        durable((Movement) outcome, false);
      }
    }

    private void overdraft(Overdraft o) {
      String account = ACCOUNTS.get(o.account());
      Snapshot.WalletState w = core.walletState(account, o.bucket());
      Snapshot before = core.snapshot();
      OverdraftOutcome outcome = core.setOverdraft(account, o.bucket(), o.micros());
      if (o.micros() < Math.max(0, w.heldMicros() - w.balanceMicros())) {
        assertThat(outcome).isInstanceOf(OverdraftOutcome.TooLow.class);
        assertUnchanged(before);
      } else {
        durable((OverdraftSet) outcome, false);
      }
    }

    private void reserve(Reserve r) {
      String account = ACCOUNTS.get(r.account());
      List<Limit> chosen = new ArrayList<>();
      for (int i = 0; i < LIMITS.size(); i++) {
        if ((r.limitMask() & (1 << i)) != 0) {
          chosen.add(LIMITS.get(i));
        }
      }
      long available = core.availableMicros(account, r.bucket());
      long amount = r.baseMicros();
      long tokens = r.baseTokens();
      Limit spend = chosen.stream().filter(l -> l.metric() == Metric.SPEND && l.bucket() == r.bucket()).findFirst().orElse(null);
      Limit tokenLimit = chosen.stream().filter(l -> l.metric() == Metric.TOKENS).findFirst().orElse(null);
      switch (r.edge()) {
        case 1 -> amount = Math.max(0, available);
        case 2 -> amount = Math.max(0, available + 1);
        case 3, 4 -> {
          if (spend != null) {
            amount = Math.max(0, room(spend, account) + (r.edge() - 3));
          }
          if (tokenLimit != null) {
            tokens = Math.max(0, room(tokenLimit, account) + (r.edge() - 3));
          }
        }
        default -> { }
      }
      List<PlannedLimit> planned = new ArrayList<>();
      for (Limit l : chosen) {
        long a = AccountingCore.amount(l, r.bucket(), amount, tokens);
        if (a >= 0) {
          planned.add(new PlannedLimit(l, counter(l, account), a, null));
        }
      }
      // the expected decision, from the views alone: the tightest limit first, then the balance
      boolean limitRefuses = planned.stream().anyMatch(p -> room(p.limit(), account) < p.amount());
      boolean balanceRefuses = !limitRefuses && available < amount;
      String id = "h" + holdIds.size();
      Snapshot before = core.snapshot();
      Reserved outcome = core.reserve(new Attempt(id, "req-" + id, account, r.bucket(), amount, planned, r.expiresAtMs()));
      Statistics.label("reserve").collect(outcome.getClass().getSimpleName());
      if (limitRefuses) {
        LimitRefused refused = (LimitRefused) outcome;
        long least = planned.stream().filter(p -> room(p.limit(), account) < p.amount())
            .mapToLong(p -> Math.max(0, room(p.limit(), account))).min().orElseThrow();
        assertThat(refused.remaining()).isEqualTo(least);
        assertUnchanged(before);
      } else if (balanceRefuses) {
        assertThat(outcome).isEqualTo(new BalanceRefused(account, r.bucket(), available, amount));
        assertUnchanged(before);
      } else {
        Hold hold = (Hold) outcome;
        assertThat(hold.amountMicros()).isEqualTo(amount);
        assertThat(core.availableMicros(account, r.bucket())).isEqualTo(available - amount);
        holdIds.add(id);
        if (r.lostBeforeDurable()) {
          crashAndRecover();
          return;
        }
        LedgerStore.Claimed claimed = store.reserveAll(hold.claims(), hold).toCompletableFuture().join();
        assertThat(claimed.taken()).as("the store reserves what the core reserved").isTrue();
      }
    }

    /** A pending hold's id, or any hold's when {@code ended} or none is pending; null before the first hold. */
    private String pick(int index, boolean ended) {
      List<Hold> pending = core.pending();
      if (!ended && !pending.isEmpty()) {
        return pending.get(index % pending.size()).id();
      }
      return holdIds.isEmpty() ? null : holdIds.get(index % holdIds.size());
    }

    private void post(Post p) {
      String id = pick(p.hold(), p.ended());
      if (id == null) {
        return;
      }
      Hold hold = core.pending().stream().filter(h -> h.id().equals(id)).findFirst().orElse(null);
      Snapshot before = core.snapshot();
      Statistics.label("post").collect(hold == null ? "not pending" : p.usage() == 0 ? "below" : p.usage() == 1 ? "at" : "above");
      if (hold == null) {
        assertThat(core.post(id, p.delta(), p.tokens())).isEqualTo(new NotPending(id));
        assertUnchanged(before);
        return;
      }
      long actual = switch (p.usage()) {
        case 0 -> hold.amountMicros() == 0 ? 0 : p.delta() % hold.amountMicros();
        case 1 -> hold.amountMicros();
        default -> hold.amountMicros() + p.delta();
      };
      Snapshot.WalletState w = core.walletState(hold.accountId(), hold.bucket());
      Posting posting = (Posting) core.post(id, actual, p.tokens());
      long payable = Math.max(0, w.availableMicros() + hold.amountMicros());
      assertThat(posting.chargedMicros()).isEqualTo(Math.min(actual, payable)).isNotNegative().isLessThanOrEqualTo(actual);
      if (actual <= hold.amountMicros()) {
        assertThat(posting.chargedMicros()).as("a hold covers any cost up to it").isEqualTo(actual);
      }
      assertThat(posting.uncollectedMicros()).isEqualTo(actual - posting.chargedMicros());
      assertThat(posting.excessMicros()).isEqualTo(Math.max(0, actual - hold.amountMicros()));
      assertThat(posting.balanceBeforeMicros()).isEqualTo(w.balanceMicros());
      assertThat(core.walletState(hold.accountId(), hold.bucket()).balanceMicros()).isEqualTo(posting.balanceAfterMicros());
      for (int i = 0; i < hold.claims().size(); i++) {
        CounterClaim c = hold.claims().get(i);
        long used = c.metric() == Metric.SPEND ? posting.chargedMicros() : c.metric() == Metric.TOKENS ? p.tokens() : 1;
        assertThat(posting.counters().get(i)).isEqualTo(new CounterDelta(c.counter(), c.amount(), used));
      }
      Statistics.label("uncollected").collect(posting.uncollectedMicros() > 0);
      assertThat(core.post(id, actual, p.tokens())).as("a second post").isEqualTo(new NotPending(id));
      durable(posting, p.lostBeforeDurable());
    }

    private void voidHold(VoidHold v) {
      String id = pick(v.hold(), v.ended());
      if (id == null) {
        return;
      }
      boolean pending = core.pending().stream().anyMatch(h -> h.id().equals(id));
      Snapshot before = core.snapshot();
      VoidOutcome outcome = core.voidHold(id, "failed_attempt");
      if (!pending) {
        assertThat(outcome).isEqualTo(new NotPending(id));
        assertUnchanged(before);
        return;
      }
      assertThat(core.voidHold(id, "failed_attempt")).as("a second void").isEqualTo(new NotPending(id));
      assertThat(core.post(id, 1, 1)).as("a post after the void").isEqualTo(new NotPending(id));
      durable((Voided) outcome, v.lostBeforeDurable());
    }

    /** Gives an event to the store, or crashes first when the decision is lost before it was durable. */
    private void durable(LedgerEvent event, boolean lostBeforeDurable) {
      if (lostBeforeDurable) {
        crashAndRecover();
        return;
      }
      store.append(event);
    }

    /** Drops the core with whatever it had not made durable, rebuilds it from the store and voids what was pending. */
    void crashAndRecover() {
      core = AccountingCore.rebuild(store.load());
      for (Voided voided : core.recover()) {
        store.append(voided);
      }
      // whatever snapshot it started from, the core equals one rebuilt from the whole journal
      AccountingCore fromGenesis = AccountingCore.rebuild(new LedgerStore.Journal(null, store.journal()));
      assertThat(normal(fromGenesis.snapshot())).isEqualTo(normal(core.snapshot()));
    }

    private long room(Limit limit, String account) {
      Snapshot.CounterState c = core.counterState(counter(limit, account));
      return limit.cap() - c.spent() - c.held();
    }

    private void assertUnchanged(Snapshot before) {
      assertThat(normal(core.snapshot())).as("a refusal changes nothing").isEqualTo(normal(before));
    }

    void checkInvariants() {
      List<LedgerEvent> journal = store.journal();
      for (; projected < journal.size(); projected++) {
        fold(journal.get(projected));
      }
      Snapshot s = core.snapshot();
      // every decision is durable or was lost in a crash: the core never runs ahead of its journal between steps
      assertThat(s.seq()).isEqualTo(journal.isEmpty() ? 0 : journal.get(journal.size() - 1).seq());
      for (Bucket b : Bucket.values()) {
        assertThat(bucketSums.getOrDefault(b, 0L)).as("entries of %s sum to zero", b).isZero();
        for (SystemAccount a : SystemAccount.values()) {
          assertThat(core.systemBalance(a, b)).as("system %s %s", a, b)
              .isEqualTo(entrySums.getOrDefault(LedgerIds.system(a, b), 0L));
        }
      }
      Map<String, Long> heldByWallet = new HashMap<>();
      Map<String, Long> heldByCounter = new HashMap<>();
      for (Hold h : s.pending()) {
        heldByWallet.merge(LedgerIds.wallet(h.accountId(), h.bucket()), h.amountMicros(), Long::sum);
        h.claims().forEach(c -> heldByCounter.merge(c.counter(), c.amount(), Long::sum));
      }
      for (Snapshot.WalletState w : s.wallets()) {
        String id = LedgerIds.wallet(w.accountId(), w.bucket());
        assertThat(w.balanceMicros()).as("balance of %s is the sum of its entries", id).isEqualTo(entrySums.getOrDefault(id, 0L));
        assertThat(w.balanceMicros()).as("balance of %s within its overdraft", id).isGreaterThanOrEqualTo(-w.overdraftMicros());
        assertThat(w.availableMicros()).as("available of %s", id).isNotNegative();
        assertThat(w.heldMicros()).as("held of %s is its pending holds", id).isEqualTo(heldByWallet.getOrDefault(id, 0L));
      }
      Map<String, Long> caps = new HashMap<>();
      for (Limit l : LIMITS) {
        for (String a : ACCOUNTS) {
          caps.put(counter(l, a), l.cap());
        }
      }
      for (Snapshot.CounterState c : s.counters()) {
        assertThat(c.held()).as("held of %s is its pending claims", c.counter()).isEqualTo(heldByCounter.getOrDefault(c.counter(), 0L));
        assertThat(c.spent()).as("spent of %s is what postings counted", c.counter()).isEqualTo(countedUse.getOrDefault(c.counter(), 0L));
        assertThat(c.spent() + c.held()).as("%s within its cap but for declared excess", c.counter())
            .isLessThanOrEqualTo(caps.get(c.counter()) + declaredExcess.getOrDefault(c.counter(), 0L));
        assertThat(store.counter(c.counter())).as("the store's counter %s", c.counter()).containsExactly(c.spent(), c.held());
      }
      checkEveryHoldEndedOnce(false);
    }

    void checkEveryHoldEndedOnce(boolean allEnded) {
      Set<String> taken = new HashSet<>();
      Set<String> ended = new HashSet<>();
      for (LedgerEvent e : store.journal()) {
        if (e instanceof Hold h) {
          assertThat(taken.add(h.id())).as("hold %s taken once", h.id()).isTrue();
        } else if (e instanceof Posting p) {
          assertThat(ended.add(p.holdId())).as("hold %s ended once", p.holdId()).isTrue();
          assertThat(p.chargedMicros()).isNotNegative().isLessThanOrEqualTo(p.actualMicros());
        } else if (e instanceof Voided v) {
          assertThat(ended.add(v.holdId())).as("hold %s ended once", v.holdId()).isTrue();
        }
      }
      assertThat(taken).containsAll(ended);
      Set<String> open = new HashSet<>(taken);
      open.removeAll(ended);
      Set<String> pending = new HashSet<>();
      core.pending().forEach(h -> pending.add(h.id()));
      if (allEnded) {
        assertThat(open).isEmpty();
      } else {
        assertThat(pending).isEqualTo(open);
      }
    }

    private void fold(LedgerEvent e) {
      List<Entry> entries = e instanceof Posting p ? p.entries() : e instanceof Movement m ? m.entries() : List.of();
      for (Entry entry : entries) {
        entrySums.merge(entry.account(), entry.amountMicros(), Long::sum);
        bucketSums.merge(entry.bucket(), entry.amountMicros(), Long::sum);
      }
      if (e instanceof Posting p) {
        for (CounterDelta d : p.counters()) {
          declaredExcess.merge(d.counter(), d.excess(), Long::sum);
          countedUse.merge(d.counter(), d.used(), Long::sum);
        }
      }
    }
  }

  /** A snapshot with its lists in one order, to compare two. */
  static Snapshot normal(Snapshot s) {
    return new Snapshot(s.seq(),
        s.wallets().stream().sorted((a, b) -> (a.accountId() + a.bucket()).compareTo(b.accountId() + b.bucket())).toList(),
        s.systemBalances().stream().sorted((a, b) -> (a.account() + "" + a.bucket()).compareTo(b.account() + "" + b.bucket())).toList(),
        s.pending().stream().sorted((a, b) -> Long.compare(a.seq(), b.seq())).toList(),
        s.counters().stream().sorted((a, b) -> a.counter().compareTo(b.counter())).toList());
  }
}

package io.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.ledger.LedgerException.Reason;
import io.tollgate.ledger.LedgerIds.SystemAccount;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Reserved;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptSql;
import io.tollgate.receipts.Usage;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger without HTTP, against a real SQLite file and a clock the test moves. Every test that does not
 * tamper with the database ends with {@link LedgerVerifier} finding all invariants intact.
 */
class LedgerTest {
  private static final long UNIT = 1_000_000L;
  private static final long HOLD_TTL_MS = 60_000L;

  private static final String BUCKETS_SUM_TO_ZERO = "each bucket's entries sum to zero";
  private static final String BALANCES_MATCH_ENTRIES = "each balance equals the sum of its entries";
  private static final String TRANSFERS_BALANCED = "each transfer has one debit and one credit entry of its amount";
  private static final String ENTRIES_MATCH_TRANSFERS = "each entry is in its transfer's bucket, on its debit or credit account";
  private static final String NO_BALANCE_BELOW_OVERDRAFT = "no customer balance below zero beyond its overdraft";
  private static final String HELD_MATCHES_HOLDS = "each wallet's held amount equals its pending holds";
  private static final String NO_HOLD_PAST_TTL = "no hold is pending past its TTL";
  private static final String RECEIPT_HAS_ONE_TRANSFER = "each charged receipt has exactly one charge transfer";
  private static final String TRANSFER_HAS_RECEIPT = "each charge transfer has a charged receipt";
  private static final String JOURNAL_REPLAYS = "the journal replays to the projected balances";

  @TempDir
  Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T08:00:00Z"));
  private Store store;
  private Tenants tenants;
  private Accountant accountant;
  private Ledger ledger;
  private RedeemCodes codes;
  private String account;
  private boolean tampered;

  @BeforeEach
  void open() {
    store = Store.open(dir.resolve("ledger.db"));
    tenants = new Tenants(store, clock);
    accountant = Accountant.of(store, clock);
    ledger = new Ledger(accountant);
    codes = new RedeemCodes(accountant);
    account = tenants.createAccount("ledger-test").id();
  }

  @AfterEach
  void verifyAndClose() {
    try {
      if (!tampered) {
        LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
        assertThat(report.ok()).as(report.text()).isTrue();
      }
    } finally {
      store.close();
    }
  }

  // top-ups and adjustments

  @Test
  void topUpCreditsTheWalletAndTheTopUpSourceSoTheBucketSumsToZero() {
    Ledger.Movement movement = ledger.topUp(account, Bucket.RMB, 25 * UNIT, "t1", "first top-up");

    assertThat(movement.replayed()).isFalse();
    assertThat(movement.transferIds()).containsExactly("topup:" + account + ":t1");
    assertThat(movement.balancesAfter()).containsEntry("RMB", 25 * UNIT);
    assertThat(balance(wallet(Bucket.RMB))).isEqualTo(25 * UNIT);
    assertThat(balance(LedgerIds.system(SystemAccount.TOPUP_SOURCE, Bucket.RMB))).isEqualTo(-25 * UNIT);
    assertThat(bucketSum(Bucket.RMB)).isZero();
    assertThat(ledger.entries(account, Bucket.RMB, null, 10)).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo("topup");
      assertThat(e.amountMicros()).isEqualTo(25 * UNIT);
      assertThat(e.balanceAfterMicros()).isEqualTo(25 * UNIT);
      assertThat(e.note()).isEqualTo("first top-up");
    });
  }

  @Test
  void topUpInOneBucketLeavesTheOtherUntouched() {
    ledger.topUp(account, Bucket.CREDIT, 7 * UNIT, "credit-only", null);

    assertThat(ledger.wallets(account)).extracting(Ledger.WalletView::bucket, Ledger.WalletView::balanceMicros)
        .containsExactly(tuple("CREDIT", 7 * UNIT), tuple("RMB", 0L));
    assertThat(ledger.entries(account, Bucket.RMB, null, 10)).isEmpty();
    assertThat(bucketSum(Bucket.CREDIT)).isZero();
    assertThat(count("SELECT COUNT(*) FROM entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE a.bucket = 'RMB'"))
        .isZero();
  }

  @Test
  void repeatingATopUpWithTheSameKeyReplaysItWithoutASecondCredit() {
    Ledger.Movement first = ledger.topUp(account, Bucket.CREDIT, 5 * UNIT, "same-key", "once");

    Ledger.Movement again = ledger.topUp(account, Bucket.CREDIT, 5 * UNIT, "same-key", "once");

    assertThat(again.replayed()).isTrue();
    assertThat(again.transferIds()).isEqualTo(first.transferIds());
    assertThat(again.balancesAfter()).containsEntry("CREDIT", 5 * UNIT);
    assertThat(balance(wallet(Bucket.CREDIT))).isEqualTo(5 * UNIT);
    assertThat(ledger.entries(account, Bucket.CREDIT, null, 10)).hasSize(1);
  }

  @Test
  void reusingATopUpKeyWithAnotherAmountOrBucketIsAConflict() {
    ledger.topUp(account, Bucket.CREDIT, 5 * UNIT, "same-key", null);

    assertRefused(() -> ledger.topUp(account, Bucket.CREDIT, 6 * UNIT, "same-key", null), Reason.CONFLICT);
    assertRefused(() -> ledger.topUp(account, Bucket.RMB, 5 * UNIT, "same-key", null), Reason.CONFLICT);

    assertThat(balance(wallet(Bucket.CREDIT))).isEqualTo(5 * UNIT);
    assertThat(balance(wallet(Bucket.RMB))).isZero();
  }

  @Test
  void refusesATopUpWithoutAKeyOrForAnUnknownAccount() {
    assertRefused(() -> ledger.topUp(account, Bucket.RMB, UNIT, " ", null), Reason.INVALID);
    assertRefused(() -> ledger.topUp(account, Bucket.RMB, UNIT, null, null), Reason.INVALID);
    assertRefused(() -> ledger.topUp("acct_missing", Bucket.RMB, UNIT, "k", null), Reason.NOT_FOUND);

    assertThat(count("SELECT COUNT(*) FROM transfers")).isZero();
  }

  @Test
  void adjustmentsCreditAndDebitButNeverBeyondTheAvailableBalance() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);

    assertThat(ledger.adjust(account, Bucket.RMB, 3 * UNIT, "plus", "goodwill").balancesAfter()).containsEntry("RMB", 13 * UNIT);
    assertThat(ledger.adjust(account, Bucket.RMB, -4 * UNIT, "minus", "correction").balancesAfter()).containsEntry("RMB", 9 * UNIT);
    assertThat(balance(LedgerIds.system(SystemAccount.ADJUSTMENT, Bucket.RMB))).isEqualTo(UNIT);

    assertRefused(() -> ledger.adjust(account, Bucket.RMB, -9 * UNIT - 1, "too-much", null), Reason.INSUFFICIENT_FUNDS);
    assertThat(take(hold("req-adjust", Bucket.RMB, 5 * UNIT))).isNull();
    // 9 in the wallet but 5 of it held: only 4 can be taken back
    assertRefused(() -> ledger.adjust(account, Bucket.RMB, -5 * UNIT, "beyond-held", null), Reason.INSUFFICIENT_FUNDS);
    assertRefused(() -> ledger.adjust(account, Bucket.RMB, 0, "zero", null), Reason.INVALID);

    assertThat(ledger.adjust(account, Bucket.RMB, -4 * UNIT, "within", null).balancesAfter()).containsEntry("RMB", 5 * UNIT);
    assertThat(ledger.adjust(account, Bucket.RMB, -4 * UNIT, "within", null).replayed()).isTrue();
    assertThat(bucketSum(Bucket.RMB)).isZero();
  }

  // conversions

  @Test
  void conversionMovesTheAmountOutAndFloorOfAmountTimesRateInWithTheRateRecorded() {
    ledger.topUp(account, Bucket.CREDIT, 10 * UNIT, "t", null);

    Ledger.Movement movement = ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 1_000_001, new BigDecimal("7.1"), "c1", "to rmb");

    // 1_000_001 x 7.1 = 7_100_007.1, rounded down
    String base = "conversion:" + account + ":c1";
    assertThat(movement.replayed()).isFalse();
    assertThat(movement.transferIds()).containsExactly(base + ":out", base + ":in");
    assertThat(movement.balancesAfter()).containsEntry("CREDIT", 8_999_999L).containsEntry("RMB", 7_100_007L);
    assertThat(balance(LedgerIds.system(SystemAccount.CONVERSION, Bucket.CREDIT))).isEqualTo(1_000_001L);
    assertThat(balance(LedgerIds.system(SystemAccount.CONVERSION, Bucket.RMB))).isEqualTo(-7_100_007L);
    assertThat(bucketSum(Bucket.CREDIT)).isZero();
    assertThat(bucketSum(Bucket.RMB)).isZero();
    for (String id : movement.transferIds()) {
      Transfer transfer = store.read(c -> LedgerSql.transfer(c, id));
      assertThat(transfer.kind()).isEqualTo(Transfer.Kind.CONVERSION);
      JsonObject details = new JsonObject(transfer.details());
      assertThat(details.getString("rate")).isEqualTo("7.1");
      assertThat(details.getLong("from_micros")).isEqualTo(1_000_001L);
      assertThat(details.getLong("to_micros")).isEqualTo(7_100_007L);
    }
    assertThat(store.read(c -> LedgerSql.transfer(c, base + ":out")).bucket()).isEqualTo(Bucket.CREDIT);
    assertThat(store.read(c -> LedgerSql.transfer(c, base + ":in")).bucket()).isEqualTo(Bucket.RMB);

    Ledger.Movement replay = ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 1_000_001, new BigDecimal("7.1"), "c1", "to rmb");
    assertThat(replay.replayed()).isTrue();
    assertThat(replay.balancesAfter()).isEqualTo(movement.balancesAfter());
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 1_000_001, new BigDecimal("7.2"), "c1", null),
        Reason.CONFLICT);
    assertThat(balance(wallet(Bucket.RMB))).isEqualTo(7_100_007L);
  }

  @Test
  void conversionRefusesTheSameBucketANonPositiveRateAndAnAmountBeyondTheWallet() {
    ledger.topUp(account, Bucket.CREDIT, 2 * UNIT, "t", null);

    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.CREDIT, UNIT, BigDecimal.ONE, "same", null), Reason.INVALID);
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, UNIT, BigDecimal.ZERO, "zero", null), Reason.INVALID);
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, UNIT, new BigDecimal("-7.1"), "neg", null), Reason.INVALID);
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 1, new BigDecimal("0.5"), "dust", null), Reason.INVALID);
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 3 * UNIT, new BigDecimal("7.1"), "big", null),
        Reason.INSUFFICIENT_FUNDS);

    assertThat(balance(wallet(Bucket.CREDIT))).isEqualTo(2 * UNIT);
    assertThat(balance(wallet(Bucket.RMB))).isZero();
    assertThat(count("SELECT COUNT(*) FROM transfers WHERE kind = 'conversion'")).isZero();
  }

  @Test
  void reusingAConversionKeyWithAnotherRateIsAConflictEvenWhenTheRoundedAmountIsTheSame() {
    ledger.topUp(account, Bucket.CREDIT, UNIT, "t", null);
    ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 10, new BigDecimal("7.1"), "rate-key", null);

    // 10 x 7.15 = 71.5 rounds down to the same 71 micro-units as 10 x 7.1
    assertRefused(() -> ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 10, new BigDecimal("7.15"), "rate-key", null),
        Reason.CONFLICT);
  }

  @Test
  void refusesACreditThatWouldOverflowABalance() {
    assertThatThrownBy(() -> {
      ledger.topUp(account, Bucket.RMB, Long.MAX_VALUE, "huge", null);
      ledger.topUp(account, Bucket.RMB, 1, "one-more", null);
    }).isInstanceOf(LedgerException.class);

    assertThat(text("SELECT typeof(balance) FROM ledger_accounts WHERE id = ?", wallet(Bucket.RMB))).isIn(null, "integer");
  }

  // holds

  @Test
  void overdraftLetsAHoldGoBelowZeroOnlyUpToTheOverdraft() {
    assertThat(take(hold("req-no-overdraft", Bucket.RMB, 1))).isNotNull();
    ledger.setOverdraft(account, Bucket.RMB, 5 * UNIT);

    LedgerSql.WalletRow refused = take(hold("req-too-big", Bucket.RMB, 5 * UNIT + 1));
    assertThat(refused.balance()).isZero();
    assertThat(refused.available()).isEqualTo(5 * UNIT);
    TestHold hold = hold("req-overdraft", Bucket.RMB, 5 * UNIT);
    assertThat(take(hold)).isNull();
    assertThat(take(hold("req-one-more", Bucket.RMB, 1))).isNotNull();

    Posting posted = settle(hold, 5 * UNIT);

    assertThat(posted.chargedMicros()).isEqualTo(5 * UNIT);
    assertThat(posted.uncollectedMicros()).isZero();
    assertThat(balance(wallet(Bucket.RMB))).isEqualTo(-5 * UNIT);
    assertThat(take(hold("req-after", Bucket.RMB, 1))).isNotNull();
  }

  @Test
  void takeRefusesWhenTheAvailableBalanceIsBelowTheAmountAndReturnsTheWallet() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    assertThat(take(hold("req-first", Bucket.RMB, 4 * UNIT))).isNull();

    LedgerSql.WalletRow refused = take(hold("req-second", Bucket.RMB, 6 * UNIT + 1));

    assertThat(refused.id()).isEqualTo(wallet(Bucket.RMB));
    assertThat(refused.balance()).isEqualTo(10 * UNIT);
    assertThat(refused.held()).isEqualTo(4 * UNIT);
    assertThat(refused.available()).isEqualTo(6 * UNIT);
    assertThat(count("SELECT COUNT(*) FROM holds")).isEqualTo(1);
    assertThat(take(hold("req-exact", Bucket.RMB, 6 * UNIT))).isNull();
    assertThat(walletRow(Bucket.RMB).available()).isZero();
  }

  @Test
  void postingBelowTheHoldChargesExactlyTheActualAndReleasesTheRest() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-below", Bucket.RMB, 4 * UNIT);
    take(hold);

    Posting posted = settle(hold, 1_500_000);

    assertThat(posted(posted)).isEqualTo("1500000/0/10000000/8500000/charge:req-below");
    LedgerSql.WalletRow row = walletRow(Bucket.RMB);
    assertThat(row.balance()).isEqualTo(8_500_000);
    assertThat(row.held()).isZero();
    assertThat(balance(LedgerIds.system(SystemAccount.REVENUE, Bucket.RMB))).isEqualTo(1_500_000);
    assertThat(text("SELECT status || ':' || posted_amount || ':' || transfer_id FROM holds WHERE id = ?", hold.id()))
        .isEqualTo("posted:1500000:charge:req-below");
  }

  @Test
  void postingAboveTheHoldChargesTheWholeCostWhenTheBalanceCoversIt() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-above", Bucket.RMB, 4 * UNIT);
    take(hold);

    Posting posted = settle(hold, 6 * UNIT);

    assertThat(posted.chargedMicros()).isEqualTo(6 * UNIT);
    assertThat(posted.uncollectedMicros()).isZero();
    assertThat(balance(wallet(Bucket.RMB))).isEqualTo(4 * UNIT);
  }

  @Test
  void postingAboveTheAvailableBalanceChargesWhatIsAvailableAndReportsTheRestUncollected() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-over", Bucket.RMB, 4 * UNIT);
    TestHold other = hold("req-other", Bucket.RMB, 3 * UNIT);
    take(hold);
    take(other);

    Posting posted = settle(hold, 12 * UNIT);

    // the other request's 3 stay reserved: only 7 of the 12 can be collected
    assertThat(posted(posted)).isEqualTo("7000000/5000000/10000000/3000000/charge:req-over");
    LedgerSql.WalletRow row = walletRow(Bucket.RMB);
    assertThat(row.balance()).isEqualTo(3 * UNIT);
    assertThat(row.held()).isEqualTo(3 * UNIT);
    assertThat(row.available()).isZero();
    assertThat(store.read(c -> ReceiptSql.byId(c, "req-over")).orElseThrow().uncollectedMicros()).isEqualTo(5 * UNIT);
  }

  @Test
  void voidReleasesTheWholeHoldAndChargesNothing() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-void", Bucket.RMB, 4 * UNIT);
    take(hold);

    assertThat(voidHold(hold)).isTrue();

    LedgerSql.WalletRow row = walletRow(Bucket.RMB);
    assertThat(row.balance()).isEqualTo(10 * UNIT);
    assertThat(row.held()).isZero();
    assertThat(count("SELECT COUNT(*) FROM transfers WHERE kind = 'charge'")).isZero();
    assertThat(text("SELECT status || ':' || resolution FROM holds WHERE id = ?", hold.id())).isEqualTo("voided:failed_attempt");
  }

  @Test
  void postingOrVoidingAHoldTwiceHasNoSecondEffect() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold posted = hold("req-posted", Bucket.RMB, 2 * UNIT);
    TestHold voided = hold("req-voided", Bucket.RMB, 2 * UNIT);
    take(posted);
    take(voided);
    settle(posted, UNIT);
    voidHold(voided);
    LedgerSql.WalletRow before = walletRow(Bucket.RMB);

    assertThat(settle(posted, UNIT)).isNull();
    assertThat(voidHold(posted)).isFalse();
    assertThat(voidHold(voided)).isFalse();
    assertThat(settle(voided, UNIT)).isNull();

    assertThat(walletRow(Bucket.RMB)).isEqualTo(before);
    assertThat(before.balance()).isEqualTo(9 * UNIT);
    assertThat(before.held()).isZero();
    assertThat(count("SELECT COUNT(*) FROM transfers WHERE kind = 'charge'")).isEqualTo(1);
  }

  @Test
  void recoveryVoidsPendingHoldsWritesAnInterruptedReceiptOnceAndIsIdempotent() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold open = hold("req-open", Bucket.RMB, 4 * UNIT);
    TestHold failed = hold("req-failed", Bucket.RMB, 2 * UNIT);
    TestHold settled = hold("req-settled", Bucket.RMB, UNIT);
    take(open);
    take(failed);
    take(settled);
    settle(settled, UNIT);
    // this request already has its receipt: recovery must not write a second one
    store.writeNow(c -> {
      ReceiptSql.insert(c, receipt("req-failed", Bucket.RMB, 2 * UNIT, null, "failed"));
      return null;
    });
    clock.advance(Duration.ofSeconds(5));

    assertThat(HoldRecovery.recoverAll(store, accountant, clock.millis(), io.tollgate.receipts.ReceiptListener.NONE)).isEqualTo(2);

    LedgerSql.WalletRow row = walletRow(Bucket.RMB);
    assertThat(row.held()).isZero();
    assertThat(row.balance()).isEqualTo(9 * UNIT);
    assertThat(text("SELECT status || ':' || resolution FROM holds WHERE id = ?", open.id())).isEqualTo("voided:recovered_on_startup");
    Receipt interrupted = store.read(c -> ReceiptSql.byId(c, "req-open")).orElseThrow();
    assertThat(interrupted.outcome()).isEqualTo("interrupted");
    assertThat(interrupted.charged()).isFalse();
    assertThat(interrupted.errorCode()).isEqualTo("hold_recovered_on_startup");
    assertThat(interrupted.accountId()).isEqualTo(account);
    assertThat(interrupted.bucket()).isEqualTo("RMB");
    assertThat(interrupted.holdMicros()).isEqualTo(4 * UNIT);
    assertThat(interrupted.durationMs()).isEqualTo(5_000);
    assertThat(store.read(c -> ReceiptSql.byId(c, "req-failed")).orElseThrow().outcome()).isEqualTo("failed");
    assertThat(store.read(c -> ReceiptSql.byId(c, "req-settled")).orElseThrow().outcome()).isEqualTo("succeeded");

    assertThat(HoldRecovery.recoverAll(store, accountant, clock.millis(), io.tollgate.receipts.ReceiptListener.NONE)).isZero();
    assertThat(count("SELECT COUNT(*) FROM receipts")).isEqualTo(3);
    assertThat(walletRow(Bucket.RMB)).isEqualTo(row);
  }

  // redeem codes

  @Test
  void redeemingACodeCreditsOnceAndReplaysForTheSameAccount() {
    RedeemCodes.Created created = codes.create(Bucket.RMB, 8 * UNIT, 5, null);

    Ledger.Movement first = codes.redeem(account, created.code());
    Ledger.Movement again = codes.redeem(account, created.code());

    assertThat(created.code()).startsWith("tgr-").hasSize(28);
    assertThat(created.prefix()).isEqualTo(created.code().substring(0, 10));
    assertThat(first.replayed()).isFalse();
    assertThat(first.balancesAfter()).containsEntry("RMB", 8 * UNIT);
    assertThat(again.replayed()).isTrue();
    assertThat(again.transferIds()).isEqualTo(first.transferIds());
    assertThat(balance(wallet(Bucket.RMB))).isEqualTo(8 * UNIT);
    assertThat(count("SELECT uses FROM redeem_codes")).isEqualTo(1);
    assertThat(count("SELECT COUNT(*) FROM redeem_codes WHERE code_hash = ? OR prefix = ?", created.code(), created.code()))
        .as("the code is stored only as a hash").isZero();
  }

  @Test
  void redeemingEnforcesMaxUsesAcrossAccounts() {
    RedeemCodes.Created created = codes.create(Bucket.CREDIT, UNIT, 2, null);
    String second = tenants.createAccount("second").id();
    String third = tenants.createAccount("third").id();

    codes.redeem(account, created.code());
    codes.redeem(second, created.code());

    assertRefused(() -> codes.redeem(third, created.code()), Reason.INVALID);
    assertThat(ledger.wallets(third).get(0).balanceMicros()).isZero();
    assertThat(ledger.wallets(second).get(0).balanceMicros()).isEqualTo(UNIT);
    assertThat(codes.redeem(account, created.code()).replayed()).isTrue();
  }

  @Test
  void redeemingEnforcesTheExpiryWithTheClock() {
    RedeemCodes.Created created = codes.create(Bucket.RMB, UNIT, 3, clock.millis() + 60_000);
    String late = tenants.createAccount("late").id();

    clock.advance(Duration.ofMillis(59_999));
    assertThat(codes.redeem(account, created.code()).replayed()).isFalse();
    clock.advance(Duration.ofMillis(1));

    assertThatThrownBy(() -> codes.redeem(late, created.code()))
        .isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.INVALID))
        .hasMessageContaining("expired");
    assertThat(ledger.wallets(late).get(1).balanceMicros()).isZero();
  }

  @Test
  void refusesAnUnknownCodeAndACodeWithoutUses() {
    assertRefused(() -> codes.redeem(account, "tgr-not-a-real-code"), Reason.NOT_FOUND);
    assertRefused(() -> codes.redeem(account, null), Reason.NOT_FOUND);
    assertRefused(() -> codes.create(Bucket.RMB, UNIT, 0, null), Reason.INVALID);
  }

  // the verifier

  @Test
  void verifierIsCleanAfterEveryKindOfMovement() {
    ledger.topUp(account, Bucket.CREDIT, 20 * UNIT, "credit", null);
    ledger.topUp(account, Bucket.RMB, 20 * UNIT, "rmb", null);
    ledger.adjust(account, Bucket.RMB, -UNIT, "fix", null);
    ledger.convert(account, Bucket.CREDIT, Bucket.RMB, 3 * UNIT, new BigDecimal("7.1"), "swap", null);
    ledger.setOverdraft(account, Bucket.CREDIT, UNIT);
    TestHold overdrawn = hold("req-overdrawn", Bucket.CREDIT, 18 * UNIT);
    take(overdrawn);
    settle(overdrawn, 17_500_000);
    TestHold voided = hold("req-voided", Bucket.RMB, UNIT);
    take(voided);
    voidHold(voided);
    take(hold("req-crashed", Bucket.RMB, 2 * UNIT));
    HoldRecovery.recoverAll(store, accountant, clock.millis(), io.tollgate.receipts.ReceiptListener.NONE);
    codes.redeem(account, codes.create(Bucket.CREDIT, UNIT, 1, null).code());
    take(hold("req-in-flight", Bucket.RMB, UNIT));

    LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());

    assertThat(report.ok()).as(report.text()).isTrue();
    assertThat(report.checks()).extracting(LedgerVerifier.Check::name).containsExactly(BUCKETS_SUM_TO_ZERO,
        BALANCES_MATCH_ENTRIES, TRANSFERS_BALANCED, ENTRIES_MATCH_TRANSFERS, NO_BALANCE_BELOW_OVERDRAFT, HELD_MATCHES_HOLDS, NO_HOLD_PAST_TTL,
        RECEIPT_HAS_ONE_TRANSFER, TRANSFER_HAS_RECEIPT, JOURNAL_REPLAYS);
    assertThat(report.text()).contains("ledger verify: all invariants hold").doesNotContain("FAIL");
    // 20 - 3 converted - 17.5 charged into the overdraft + 1 redeemed
    assertThat(balance(wallet(Bucket.CREDIT))).isEqualTo(500_000);
  }

  @Test
  void aVerifyBesideTheGatewayTakesAPostingTheProjectionsHaveNotAppliedForPendingNotMissing() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-lagging", Bucket.RMB, 2 * UNIT);
    take(hold);
    settle(hold, UNIT);
    assertThat(accountant.behind()).as("the posting waits for the projections").isPositive();

    try (Store beside = Store.openReadOnly(dir.resolve("ledger.db"))) {
      LedgerVerifier.Report report = LedgerVerifier.verify(beside, clock.millis());

      assertThat(report.ok()).as(report.text()).isTrue();
    }
    assertThat(count("SELECT COUNT(*) FROM transfers WHERE id = 'charge:req-lagging'")).isEqualTo(1);
  }

  @Test
  void detectsABalanceChangedBehindTheLedgersBack() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);

    sql("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = ?", wallet(Bucket.RMB));

    assertBroken(BALANCES_MATCH_ENTRIES, wallet(Bucket.RMB) + ": balance 10000001, entries 10000000");
  }

  @Test
  void detectsAOneSidedEntry() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);

    // a credit with no matching debit, its balance updated to match so that only the entry checks trip
    rawEntry("topup:" + account + ":t", wallet(Bucket.RMB), 5);

    LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
    assertThat(failing(report)).containsExactly(BUCKETS_SUM_TO_ZERO, TRANSFERS_BALANCED, JOURNAL_REPLAYS);
    assertThat(problems(report, BUCKETS_SUM_TO_ZERO)).containsExactly("bucket RMB sums to 5");
    assertThat(problems(report, TRANSFERS_BALANCED)).containsExactly("topup:" + account + ":t: 3 entries summing to 5");
    assertThat(report.text()).contains("FAIL  " + BUCKETS_SUM_TO_ZERO, "ledger verify: INVARIANTS BROKEN");
  }

  @Test
  void detectsValueCrossingBucketsOutsideAConversion() {
    ledger.topUp(account, Bucket.CREDIT, UNIT, "credit", null);
    ledger.topUp(account, Bucket.RMB, UNIT, "rmb", null);
    String from = LedgerIds.system(SystemAccount.ADJUSTMENT, Bucket.CREDIT);

    // a well-formed transfer whose two sides sit in different buckets
    smuggle("smuggled", from, wallet(Bucket.RMB), 7);

    tampered = true;
    LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
    assertThat(failing(report)).as(report.text()).containsExactly(BUCKETS_SUM_TO_ZERO, ENTRIES_MATCH_TRANSFERS, JOURNAL_REPLAYS);
    assertThat(problems(report, BUCKETS_SUM_TO_ZERO)).containsExactlyInAnyOrder("bucket CREDIT sums to -7", "bucket RMB sums to 7");
  }

  @Test
  void detectsTransfersCrossingBucketsThatCancelOut() {
    ledger.topUp(account, Bucket.CREDIT, UNIT, "credit", null);
    ledger.topUp(account, Bucket.RMB, UNIT, "rmb", null);

    smuggle("into-rmb", LedgerIds.system(SystemAccount.ADJUSTMENT, Bucket.CREDIT), wallet(Bucket.RMB), 7);
    smuggle("into-credit", LedgerIds.system(SystemAccount.ADJUSTMENT, Bucket.RMB), wallet(Bucket.CREDIT), 7);

    tampered = true;
    LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
    assertThat(failing(report)).as(report.text()).containsExactly(ENTRIES_MATCH_TRANSFERS, JOURNAL_REPLAYS);
  }

  @Test
  void detectsABalanceBelowZeroWithoutAnOverdraft() {
    ledger.setOverdraft(account, Bucket.RMB, 5 * UNIT);
    TestHold hold = hold("req-overdrawn", Bucket.RMB, 5 * UNIT);
    take(hold);
    settle(hold, 5 * UNIT);

    sql("UPDATE ledger_accounts SET overdraft = 0 WHERE id = ?", wallet(Bucket.RMB));

    assertBroken(NO_BALANCE_BELOW_OVERDRAFT, wallet(Bucket.RMB) + ": balance -5000000 with overdraft 0");
  }

  @Test
  void detectsAHeldAmountThatDoesNotMatchThePendingHolds() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    take(hold("req-held", Bucket.RMB, 4 * UNIT));

    sql("UPDATE ledger_accounts SET held = held + 1 WHERE id = ?", wallet(Bucket.RMB));

    assertBroken(HELD_MATCHES_HOLDS, wallet(Bucket.RMB) + ": held 4000001, pending holds 4000000");
  }

  @Test
  void detectsAHoldPendingPastItsTtlUntilTheSweeperExpiresIt() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-stale", Bucket.RMB, 4 * UNIT);
    take(hold);

    clock.advance(Duration.ofMillis(HOLD_TTL_MS + 1));

    assertBroken(NO_HOLD_PAST_TTL, hold.id() + " of req-stale expired at " + hold.expiresAtMs());
    HoldRecovery.Resolved expired = store.writeNow(HoldRecovery.expire(accountant, clock.millis()));
    assertThat(expired.requestIds()).containsExactly("req-stale");
    assertThat(store.read(c -> ReceiptSql.byId(c, "req-stale")).orElseThrow().errorCode()).isEqualTo("hold_expired");
    tampered = false; // the sweeper repaired it: the verifier after this test must find everything intact
  }

  @Test
  void detectsAChargeTransferWithoutAReceipt() {
    ledger.topUp(account, Bucket.RMB, 10 * UNIT, "t", null);
    TestHold hold = hold("req-lost-receipt", Bucket.RMB, 2 * UNIT);
    take(hold);
    settle(hold, UNIT);

    sql("DELETE FROM receipts WHERE id = 'req-lost-receipt'");

    assertBroken(TRANSFER_HAS_RECEIPT, "transfer charge:req-lost-receipt (1000000) has no charged receipt");
  }

  @Test
  void detectsAChargedReceiptWithoutATransfer() {
    store.writeNow(c -> {
      ReceiptSql.insert(c, receipt("req-free", Bucket.RMB, UNIT, null, "succeeded"));
      return null;
    });

    sql("UPDATE receipts SET charged = 1 WHERE id = 'req-free'");

    assertBroken(RECEIPT_HAS_ONE_TRANSFER, "receipt req-free has 0 charge transfers");
  }

  // helpers

  private String wallet(Bucket bucket) {
    return LedgerIds.wallet(account, bucket);
  }

  /** A hold a test takes: the attempt and the context the request path would keep with it. */
  private record TestHold(String id, String requestId, Bucket bucket, long amount, long expiresAtMs, HoldContext context) {}

  private TestHold hold(String requestId, Bucket bucket, long amountMicros) {
    HoldContext context = new HoldContext(requestId, account, "proj_test", "key_test", "/v1/chat/completions", "chat-a",
        "routed", "primary", "main", "up-a-routed", 12, false, clock.millis());
    return new TestHold("hold_" + requestId, requestId, bucket, amountMicros, clock.millis() + HOLD_TTL_MS, context);
  }

  /** Takes the hold; null when taken, else the wallet that could not cover it. */
  private LedgerSql.WalletRow take(TestHold hold) {
    Reserved reserved = store.writeNow(accountant.reserve(new Attempt(hold.id(), hold.requestId(), account, hold.bucket(),
        hold.amount(), List.of(), hold.expiresAtMs()), hold.context()));
    return reserved instanceof Hold ? null : walletRow(hold.bucket());
  }

  private boolean voidHold(TestHold hold) {
    return store.writeNow(accountant.voidHold(hold.id(), "failed_attempt"));
  }

  /** Posts the hold and writes its receipt in the same transaction, as the request path does. */
  private Posting settle(TestHold hold, long actualMicros) {
    return store.writeNow(accountant.post(hold.id(), List.of(), actualMicros, 0, (c, posting) -> {
      if (posting != null) {
        ReceiptSql.insert(c, receipt(hold.requestId(), hold.bucket(), hold.amount(), posting, "succeeded"));
      }
    })).posting();
  }

  private Receipt receipt(String requestId, Bucket bucket, long holdMicros, Posting posted, String outcome) {
    boolean charged = posted != null && posted.chargedMicros() > 0;
    return new Receipt(requestId, clock.millis(), account, "proj_test", "key_test", "/v1/chat/completions", "chat-a",
        "routed", false, outcome, 200, null, "primary", "main", "up-a-routed", false, null, List.of(),
        new Usage(12, 3, 0, "measured"), bucket.name(), null, null, holdMicros,
        posted == null ? null : posted.chargedMicros() + posted.uncollectedMicros(), charged,
        posted == null ? null : posted.chargedMicros(), posted == null ? null : posted.uncollectedMicros(),
        posted == null ? null : posted.transferId(), posted == null ? null : posted.balanceBeforeMicros(),
        posted == null ? null : posted.balanceAfterMicros(), 5L, null, null, null, null);
  }

  /** What a posting charged, as {@code [charged, uncollected, balance before, balance after]} and its transfer. */
  private static String posted(Posting p) {
    return p.chargedMicros() + "/" + p.uncollectedMicros() + "/" + p.balanceBeforeMicros() + "/" + p.balanceAfterMicros()
        + "/" + p.transferId();
  }

  private LedgerSql.WalletRow walletRow(Bucket bucket) {
    return store.read(c -> LedgerSql.wallet(c, wallet(bucket)));
  }

  private long balance(String ledgerAccount) {
    return store.read(c -> LedgerSql.wallet(c, ledgerAccount)).balance();
  }

  /** The sum of a bucket's entries; it must be zero, and so must the sum of its balances. */
  private long bucketSum(Bucket bucket) {
    long entries = count("SELECT COALESCE(SUM(e.amount), 0) FROM entries e JOIN ledger_accounts a ON a.id = e.account_id"
        + " WHERE a.bucket = ?", bucket.name());
    long balances = count("SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE bucket = ?", bucket.name());
    assertThat(balances).as("sum of %s balances", bucket).isEqualTo(entries);
    return entries;
  }

  private long count(String sql, Object... args) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        bind(s, args);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0L;
        }
      }
    });
  }

  private String text(String sql, Object... args) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        bind(s, args);
        try (ResultSet rs = s.executeQuery()) {
          return rs.next() ? rs.getString(1) : null;
        }
      }
    });
  }

  /** Changes the database behind the ledger's back; the test then expects the verifier to notice. */
  private void sql(String sql, Object... args) {
    tampered = true;
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        bind(s, args);
        return s.executeUpdate();
      }
    });
  }

  /** Records a transfer with both its entries and balances, bypassing every check of the ledger. */
  private void smuggle(String transferId, String debit, String credit, long amount) {
    sql("INSERT INTO transfers (id, kind, bucket, debit_account, credit_account, amount, created_at)"
        + " VALUES (?, 'adjustment', (SELECT bucket FROM ledger_accounts WHERE id = ?), ?, ?, ?, 0)",
        transferId, credit, debit, credit, amount);
    rawEntry(transferId, debit, -amount);
    rawEntry(transferId, credit, amount);
  }

  /** Adds one entry to an account and moves its balance to match, as a faulty writer might. */
  private void rawEntry(String transferId, String ledgerAccount, long amount) {
    sql("UPDATE ledger_accounts SET balance = balance + ? WHERE id = ?", amount, ledgerAccount);
    sql("INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)"
        + " VALUES (?, ?, ?, (SELECT balance FROM ledger_accounts WHERE id = ?), 0)", transferId, ledgerAccount, amount, ledgerAccount);
  }

  private static void bind(PreparedStatement s, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      s.setObject(i + 1, args[i]);
    }
  }

  /**
   * Asserts that {@code check} fails, with {@code problem} among its lines and in the report, and that no other check
   * does but the journal's replay when the tampering moved an account behind the journal's back.
   */
  private LedgerVerifier.Report assertBroken(String check, String problem) {
    tampered = true;
    LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
    assertThat(report.ok()).isFalse();
    assertThat(failing(report)).as(report.text()).contains(check).isSubsetOf(check, JOURNAL_REPLAYS);
    assertThat(problems(report, check)).contains(problem);
    assertThat(report.text()).contains("FAIL  " + check, "        " + problem, "ledger verify: INVARIANTS BROKEN");
    return report;
  }

  private static List<String> failing(LedgerVerifier.Report report) {
    return report.checks().stream().filter(check -> !check.ok()).map(LedgerVerifier.Check::name).toList();
  }

  private static List<String> problems(LedgerVerifier.Report report, String check) {
    return report.checks().stream().filter(c -> c.name().equals(check)).findFirst().orElseThrow().problems();
  }

  private static void assertRefused(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(LedgerException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  /** A clock the test moves by hand. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("a test clock stays in UTC");
    }
  }
}

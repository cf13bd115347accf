package io.tollgate.ledger.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.HoldContext;
import io.tollgate.ledger.Ledger;
import io.tollgate.ledger.core.Attempt;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.Posting;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.Usage;
import io.tollgate.store.Store;
import io.tollgate.tenants.Tenants;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adversarial review of b45090a: receipts of charged requests are a projection of their postings. */
class ReceiptProjectionReviewTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  @TempDir
  Path dir;
  private Store store;

  @AfterEach
  void close() {
    if (store != null) {
      try {
        store.close();
      } catch (RuntimeException ignored) {
        // the poisoned projection also fails the close
      }
    }
  }

  /**
   * Accountant.post (Billing.settle) documents a post on a hold that already ended: nothing is charged again and the
   * receipt is "written at once". Before b45090a the receipt insert of such a second settle failed on its own with a
   * PRIMARY KEY conflict, in its own transaction. Now the first settle's receipt is only in the journal: the direct
   * insert succeeds, and the next projection batch hits the PRIMARY KEY conflict. Projection then fails for good:
   * every Store.read (catchUp), every operator movement (move projects first), the expiry sweep, Billing.undelivered
   * and the next start-up (Accountant.open projects) fail, and the charged receipt is replaced by an uncharged one.
   * The same holds for Billing.record of a request whose charge is not yet projected.
   */
  @Test
  void aSecondSettleOfAnEndedHoldDoesNotPoisonTheProjectionNorHideTheCharge() {
    store = Store.open(dir.resolve("r.db"));
    String account = new Tenants(store, CLOCK).createAccount("r").id();
    Accountant accountant = Accountant.of(store, CLOCK);
    new Ledger(accountant).topUp(account, Bucket.RMB, 5_000_000, "t1", null);
    Hold hold = take(accountant, account, "req-1", 2_000_000);

    Accountant.Posted first = store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100,
        posting -> receipt(account, "req-1", posting), (c, posting) -> { }));
    assertThat(first.posting()).isNotNull();
    assertThat(accountant.behind()).as("the charged receipt waits in the journal").isPositive();
    // a retried settle of the same request: the hold has ended, nothing is charged again
    try {
      Accountant.Posted again = store.writeNow(accountant.post(hold.id(), List.of(), 1_000_000, 100,
          posting -> receipt(account, "req-1", posting), (c, posting) -> { }));
      assertThat(again.posting()).isNull();
    } catch (RuntimeException refusedAlone) {
      // failing alone (as before b45090a) is fine
    }

    assertThatCode(() -> store.read(c -> 1)).as("a read after the duplicate: the projection must still catch up")
        .doesNotThrowAnyException();
    assertThat(accountant.behind()).as("the journal is projected").isZero();
    int charged = store.<Integer>read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT charged FROM receipts WHERE id = 'req-1'");
          ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getInt(1) : -1;
      }
    });
    assertThat(charged).as("the request's receipt is the charged one").isEqualTo(1);
  }

  static Receipt receipt(String account, String requestId, Posting posting) {
    boolean charged = posting != null && posting.chargedMicros() > 0;
    return new Receipt(requestId, CLOCK.millis(), account, "proj", "key", "chat.completions", "chat-a", "routed", false,
        "succeeded", 200, null, "primary", "main", "up-a", false, null, List.of(), new Usage(10, 90, 0, "measured"),
        "RMB", null, null, 2_000_000L, 1_000_000L, charged, charged ? posting.chargedMicros() : null, null,
        posting == null ? null : posting.transferId(), null, null, 10L, null, null, null, null);
  }

  Hold take(Accountant accountant, String account, String requestId, long micros) {
    HoldContext context = new HoldContext(requestId, account, "proj", "key", "chat.completions", "chat-a", "routed", "primary",
        "main", "up-a", 10, false, CLOCK.millis(), null);
    return (Hold) store.writeNow(accountant.reserve(new Attempt("hold_" + requestId, requestId, account, Bucket.RMB, micros,
        List.of(), CLOCK.millis() + 60_000), context));
  }
}

package io.tollgate.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Random sequences of top-ups, requests (succeeding, failing over, failing, breaking mid-stream, reporting no
 * usage) and restarts: after each, the ledger verifies clean and money is conserved.
 */
class LedgerPropertyTest {
  private static final List<String> FAILURES = List.of("", "status=503,when_model=up-a-routed", "status=500",
      "status=429", "malformed=true,when_model=up-a", "no_usage=true", "status=400", "drop_after=2", "tokens=3");

  sealed interface Op permits TopUp, Request, Restart {}

  record TopUp(Bucket bucket, long micros) implements Op {}

  record Request(boolean official, boolean stream, String mock, int maxTokens) implements Op {}

  record Restart() implements Op {}

  private GatewayFixture f;
  private int topUps;

  @BeforeProperty
  void start() throws Exception {
    f = GatewayFixture.start(Files.createTempDirectory("tollgate-property"));
  }

  @AfterProperty
  void stop() throws Exception {
    f.close();
  }

  @Property(tries = 15)
  void everySequenceLeavesTheLedgerBalancedAndMoneyConserved(@ForAll("operations") List<Op> operations) throws Exception {
    String account = f.project.accountId();
    for (Op op : operations) {
      apply(op);
      Wallets.assertVerified(f.store, System.currentTimeMillis());
    }
    for (Bucket bucket : Bucket.values()) {
      long toppedUp = Wallets.scalar(f.store, "SELECT COALESCE(SUM(amount), 0) FROM transfers WHERE kind = 'topup' AND bucket = '" + bucket + "'");
      long charged = Wallets.charged(f.store, bucket);
      assertThat(Wallets.balance(f.store, account, bucket)).isEqualTo(toppedUp - charged);
      assertThat(Wallets.wallet(f.store, account, bucket).held()).isZero();
    }
    long chargedReceipts = Wallets.count(f.store, "SELECT COUNT(*) FROM receipts WHERE charged = 1");
    long chargeTransfers = Wallets.count(f.store, "SELECT COUNT(*) FROM transfers WHERE kind = 'charge'");
    assertThat(chargedReceipts).isEqualTo(chargeTransfers);
  }

  private void apply(Op op) throws Exception {
    if (op instanceof TopUp t) {
        HttpResponse<String> r = f.post("/admin/accounts/" + f.project.accountId() + "/topups",
            "{\"bucket\":\"" + t.bucket() + "\",\"amount_micros\":" + t.micros() + ",\"idempotency_key\":\"p" + (topUps++) + "\"}", f.admin());
        assertThat(r.statusCode()).isEqualTo(201);
    } else if (op instanceof Request r) {
        String body = "{\"model\":\"chat-a\",\"max_tokens\":" + r.maxTokens() + (r.stream() ? ",\"stream\":true" : "")
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"property based\"}]}";
        HttpResponse<String> response = r.mock().isEmpty()
            ? f.chat(body, "x-tollgate-route", r.official() ? "official" : "routed")
            : f.chat(body, "x-tollgate-route", r.official() ? "official" : "routed", "x-mock", r.mock());
        assertThat(response.statusCode()).isIn(200, 400, 402, 502, 503);
    } else {
      f.restart();
    }
  }

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Op> topUp = Combinators.combine(Arbitraries.of(Bucket.class), Arbitraries.longs().between(1, 5_000_000))
        .as(TopUp::new);
    Arbitrary<Op> request = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
        Arbitraries.of(FAILURES), Arbitraries.integers().between(1, 4000)).as(Request::new);
    Arbitrary<Op> restart = Arbitraries.just(new Restart());
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, topUp),
        net.jqwik.api.Tuple.of(8, request),
        net.jqwik.api.Tuple.of(1, restart)).list().ofMinSize(5).ofMaxSize(20);
  }
}

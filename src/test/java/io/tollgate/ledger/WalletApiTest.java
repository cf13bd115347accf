package io.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.json.Json;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wallet over HTTP: what a key sees under {@code /v1/wallet} and what the operator does under {@code /admin}.
 * Tests that move money make their own account, so they do not depend on one another's balances.
 */
class WalletApiTest {
  private static final long UNIT = 1_000_000L;
  private static final String CHAT = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  /** An account of its own with one key. */
  private record Tenant(String accountId, String key) {
    String[] bearer() {
      return new String[] {"authorization", "Bearer " + key};
    }
  }

  @Test
  void walletShowsBothBucketsWithBalanceHeldAndAvailable() {
    Tenant t = newTenant("wallet");
    topUp(t, "RMB", "\"amount\":\"3.5\"", "wallet-rmb");
    Accountant accountant = Accountant.of(f.store, java.time.Clock.systemUTC());
    String holdId = "hold_wallet_test";
    var taken = f.store.writeNow(accountant.reserve(new io.tollgate.ledger.core.Attempt(holdId, "req_wallet_test", t.accountId(),
        Bucket.RMB, UNIT, java.util.List.of(), System.currentTimeMillis() + 3_600_000), null));
    assertThat(taken).isInstanceOf(io.tollgate.ledger.core.Hold.class);

    HttpResponse<String> response = f.get("/v1/wallet", t.bearer());

    f.store.writeNow(accountant.voidHold(holdId, "failed_attempt"));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject wallet = new JsonObject(response.body());
    assertThat(wallet.getString("object")).isEqualTo("wallet");
    assertThat(wallet.getString("account_id")).isEqualTo(t.accountId());
    JsonArray buckets = wallet.getJsonArray("buckets");
    assertThat(buckets).hasSize(2);
    assertThat(buckets.getJsonObject(0).getMap()).containsEntry("bucket", "CREDIT").containsEntry("currency", "USD")
        .containsEntry("balance_micros", 0).containsEntry("held_micros", 0).containsEntry("available_micros", 0);
    JsonObject rmb = buckets.getJsonObject(1);
    assertThat(rmb.getString("bucket")).isEqualTo("RMB");
    assertThat(rmb.getString("currency")).isEqualTo("CNY");
    assertThat(rmb.getLong("balance_micros")).isEqualTo(3_500_000L);
    assertThat(rmb.getLong("held_micros")).isEqualTo(UNIT);
    assertThat(rmb.getLong("available_micros")).isEqualTo(2_500_000L);
    assertThat(f.get("/v1/wallet").statusCode()).isEqualTo(401);
  }

  @Test
  void fixtureWalletHasBothBucketsFunded() {
    JsonArray buckets = new JsonObject(f.get("/v1/wallet", f.bearer()).body()).getJsonArray("buckets");

    assertThat(buckets).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonObject bucket = buckets.getJsonObject(i);
      assertThat(bucket.getLong("balance_micros")).isPositive();
      assertThat(bucket.getLong("available_micros"))
          .isEqualTo(bucket.getLong("balance_micros") + bucket.getLong("overdraft_micros") - bucket.getLong("held_micros"));
    }
  }

  // admin top-ups

  @Test
  void topUpTakesADecimalStringOrIntegerMicros() {
    Tenant t = newTenant("topups");

    HttpResponse<String> decimal = f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":\"12.34\",\"idempotency_key\":\"dec\"}", f.admin());
    HttpResponse<String> micros = f.post(topUps(t), "{\"bucket\":\"credit\",\"amount_micros\":5000000,\"idempotency_key\":\"int\"}",
        f.admin());

    assertThat(decimal.statusCode()).as(decimal.body()).isEqualTo(201);
    JsonObject first = new JsonObject(decimal.body());
    assertThat(first.getBoolean("replayed")).isFalse();
    assertThat(first.getJsonArray("transfer_ids").getList()).containsExactly("topup:" + t.accountId() + ":dec");
    assertThat(first.getJsonObject("balances_after").getLong("RMB")).isEqualTo(12_340_000L);
    assertThat(micros.statusCode()).as(micros.body()).isEqualTo(201);
    assertThat(new JsonObject(micros.body()).getJsonObject("balances_after").getLong("CREDIT")).isEqualTo(5 * UNIT);
    assertThat(adminBalance(t, 0)).isEqualTo(5 * UNIT);
    assertThat(adminBalance(t, 1)).isEqualTo(12_340_000L);
  }

  @Test
  void topUpRefusesAFloatAmountAndAMissingIdempotencyKey() {
    Tenant t = newTenant("refused");

    assertRefused(f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":12.34,\"idempotency_key\":\"f\"}", f.admin()),
        400, "amount", "invalid_type");
    assertRefused(f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount_micros\":12.5,\"idempotency_key\":\"f\"}", f.admin()),
        400, "amount_micros", "invalid_type");
    assertRefused(f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":\"1.0000001\",\"idempotency_key\":\"f\"}", f.admin()),
        400, "amount", "invalid_value");
    assertRefused(f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":\"-1\",\"idempotency_key\":\"f\"}", f.admin()),
        400, "amount", "invalid_value");
    assertRefused(f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":\"12.34\"}", f.admin()),
        400, "idempotency_key", "missing_required_parameter");
    assertRefused(f.post(topUps(t), "{\"bucket\":\"USD\",\"amount\":\"12.34\",\"idempotency_key\":\"f\"}", f.admin()),
        400, "bucket", "invalid_value");
    assertRefused(f.post(topUps(t), "not json", f.admin()), 400, null, "invalid_json");

    assertThat(adminBalance(t, 0)).isZero();
    assertThat(adminBalance(t, 1)).isZero();
  }

  @Test
  void topUpReplaysTheSameKeyAndRefusesItForAnotherAmount() {
    Tenant t = newTenant("replay");
    String body = "{\"bucket\":\"RMB\",\"amount\":\"7\",\"idempotency_key\":\"once\"}";
    JsonObject first = new JsonObject(f.post(topUps(t), body, f.admin()).body());

    HttpResponse<String> again = f.post(topUps(t), body, f.admin());
    HttpResponse<String> other = f.post(topUps(t), "{\"bucket\":\"RMB\",\"amount\":\"8\",\"idempotency_key\":\"once\"}", f.admin());

    assertThat(again.statusCode()).isEqualTo(201);
    JsonObject replay = new JsonObject(again.body());
    assertThat(replay.getBoolean("replayed")).isTrue();
    assertThat(replay.getJsonArray("transfer_ids")).isEqualTo(first.getJsonArray("transfer_ids"));
    assertThat(replay.getJsonObject("balances_after").getLong("RMB")).isEqualTo(7 * UNIT);
    assertRefused(other, 409, null, "idempotency_key_reused");
    assertThat(adminBalance(t, 1)).isEqualTo(7 * UNIT);
  }

  @Test
  void topUpOfAnUnknownAccountIsNotFound() {
    HttpResponse<String> response = f.post("/admin/accounts/acct_missing/topups",
        "{\"bucket\":\"RMB\",\"amount\":\"1\",\"idempotency_key\":\"x\"}", f.admin());

    assertRefused(response, 404, null, "not_found");
    assertThat(new JsonObject(response.body()).getJsonObject("error").getString("message")).contains("acct_missing");
  }

  @Test
  void adjustmentsDebitOnlyWhatIsAvailableIncludingTheOverdraft() {
    Tenant t = newTenant("adjust");
    String adjust = "/admin/accounts/" + t.accountId() + "/adjustments";

    assertRefused(f.post(adjust, "{\"bucket\":\"RMB\",\"amount_micros\":-1,\"idempotency_key\":\"a1\",\"note\":\"n\"}", f.admin()),
        402, null, "insufficient_balance");
    assertRefused(f.post(adjust, "{\"bucket\":\"RMB\",\"amount_micros\":\"-1\",\"idempotency_key\":\"a1\",\"note\":\"n\"}",
        f.admin()), 400, "amount_micros", "invalid_type");
    assertRefused(f.post(adjust, "{\"bucket\":\"RMB\",\"amount_micros\":-1,\"idempotency_key\":\"a1\"}", f.admin()),
        400, "note", "missing_required_parameter");
    HttpResponse<String> overdraft = f.put("/admin/accounts/" + t.accountId() + "/overdraft",
        "{\"bucket\":\"RMB\",\"overdraft_micros\":2000000}", f.admin());
    assertThat(overdraft.statusCode()).as(overdraft.body()).isEqualTo(200);
    HttpResponse<String> debit = f.post(adjust, "{\"bucket\":\"RMB\",\"amount_micros\":-2000000,\"idempotency_key\":\"a2\",\"note\":\"n\"}",
        f.admin());

    assertThat(debit.statusCode()).as(debit.body()).isEqualTo(201);
    assertThat(adminBalance(t, 1)).isEqualTo(-2 * UNIT);
    assertRefused(f.post(adjust, "{\"bucket\":\"RMB\",\"amount_micros\":-1,\"idempotency_key\":\"a3\",\"note\":\"n\"}", f.admin()),
        402, null, "insufficient_balance");
  }

  @Test
  void refusesLoweringAnOverdraftBelowWhatTheBalanceAndItsHoldsAlreadyUse() {
    Tenant t = newTenant("overdraft-lower");
    String overdraft = "/admin/accounts/" + t.accountId() + "/overdraft";
    assertThat(f.put(overdraft, "{\"bucket\":\"RMB\",\"overdraft_micros\":7000000}", f.admin()).statusCode()).isEqualTo(200);
    created(f.post("/admin/accounts/" + t.accountId() + "/adjustments",
        "{\"bucket\":\"RMB\",\"amount_micros\":-5000000,\"idempotency_key\":\"od1\",\"note\":\"n\"}", f.admin()));
    Accountant accountant = Accountant.of(f.store, java.time.Clock.systemUTC());
    String holdId = "hold_overdraft_test";
    var taken = f.store.writeNow(accountant.reserve(new io.tollgate.ledger.core.Attempt(holdId, "req_overdraft_test", t.accountId(),
        Bucket.RMB, UNIT, java.util.List.of(), System.currentTimeMillis() + 3_600_000), null));
    assertThat(taken).as("the hold is taken").isInstanceOf(io.tollgate.ledger.core.Hold.class);

    HttpResponse<String> toZero = f.put(overdraft, "{\"bucket\":\"RMB\",\"overdraft_micros\":0}", f.admin());
    HttpResponse<String> oneShort = f.put(overdraft, "{\"bucket\":\"RMB\",\"overdraft_micros\":5999999}", f.admin());
    long unchanged = f.store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(t.accountId(), Bucket.RMB))).overdraft();
    HttpResponse<String> lowest = f.put(overdraft, "{\"bucket\":\"RMB\",\"overdraft_micros\":6000000}", f.admin());
    f.store.writeNow(accountant.voidHold(holdId, "failed_attempt"));
    HttpResponse<String> withoutHold = f.put(overdraft, "{\"bucket\":\"RMB\",\"overdraft_micros\":5000000}", f.admin());

    assertRefused(toZero, 409, "overdraft_micros", "overdraft_below_balance");
    assertThat(new JsonObject(toZero.body()).getJsonObject("error").getString("message"))
        .contains("balance -5.000000 CNY").contains("1.000000 CNY held").contains("overdraft of 0.000000 CNY")
        .contains("lowest overdraft allowed now is 6.000000 CNY (overdraft_micros: 6000000)");
    assertRefused(oneShort, 409, "overdraft_micros", "overdraft_below_balance");
    assertThat(unchanged).isEqualTo(7 * UNIT);
    assertThat(lowest.statusCode()).as(lowest.body()).isEqualTo(200);
    assertThat(withoutHold.statusCode()).as(withoutHold.body()).isEqualTo(200);
    assertThat(f.store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(t.accountId(), Bucket.RMB))).overdraft()).isEqualTo(5 * UNIT);
  }

  // the ledger a key sees

  @Test
  void ledgerPagesNewestFirstWithConsistentBalanceAfter() {
    Tenant t = newTenant("ledger");
    for (int i = 1; i <= 5; i++) {
      topUp(t, "RMB", "\"amount\":\"" + i + "\",\"note\":\"top-up " + i + (i == 1 ? ", with a comma" : "") + "\"", "l" + i);
    }
    topUp(t, "CREDIT", "\"amount\":\"9\"", "credit-only");
    HttpResponse<String> adjusted = f.post("/admin/accounts/" + t.accountId() + "/adjustments",
        "{\"bucket\":\"RMB\",\"amount_micros\":-2000000,\"idempotency_key\":\"l-adj\",\"note\":\"correction\"}", f.admin());
    assertThat(adjusted.statusCode()).as(adjusted.body()).isEqualTo(201);

    JsonObject first = ledgerPage(t, "bucket=RMB&limit=4");
    JsonObject second = ledgerPage(t, "bucket=RMB&limit=4&after=" + first.getLong("last_seq"));

    assertThat(first.getString("currency")).isEqualTo("CNY");
    assertThat(first.getBoolean("has_more")).isTrue();
    assertThat(first.getJsonArray("data")).hasSize(4);
    assertThat(second.getBoolean("has_more")).isFalse();
    assertThat(second.getJsonArray("data")).hasSize(2);
    List<JsonObject> entries = new ArrayList<>();
    first.getJsonArray("data").forEach(e -> entries.add((JsonObject) e));
    second.getJsonArray("data").forEach(e -> entries.add((JsonObject) e));
    assertThat(entries).extracting(e -> e.getString("kind"))
        .containsExactly("adjustment", "topup", "topup", "topup", "topup", "topup");
    assertThat(entries.get(0).getLong("balance_after_micros")).isEqualTo(13 * UNIT).isEqualTo(adminBalance(t, 1));
    for (int i = 0; i < entries.size(); i++) {
      JsonObject entry = entries.get(i);
      long before = entry.getLong("balance_after_micros") - entry.getLong("amount_micros");
      if (i + 1 < entries.size()) {
        assertThat(entry.getLong("seq")).isGreaterThan(entries.get(i + 1).getLong("seq"));
        assertThat(before).as("entry %s", entry.getLong("seq")).isEqualTo(entries.get(i + 1).getLong("balance_after_micros"));
      } else {
        assertThat(before).as("the oldest entry starts from zero").isZero();
      }
    }
    assertThat(entries.get(0).getLong("amount_micros")).isEqualTo(-2 * UNIT);
    assertThat(entries.get(5).getString("note")).isEqualTo("top-up 1, with a comma");
  }

  @Test
  void ledgerAsCsvHasAHeaderAndOneLinePerEntry() {
    Tenant t = newTenant("csv");
    topUp(t, "RMB", "\"amount\":\"1\",\"note\":\"first, with a comma\"", "c1");
    topUp(t, "RMB", "\"amount\":\"2\"", "c2");
    topUp(t, "RMB", "\"amount\":\"3\"", "c3");

    HttpResponse<String> csv = f.get("/v1/wallet/ledger?bucket=RMB&format=csv", t.bearer());
    HttpResponse<String> accepted = f.get("/v1/wallet/ledger?bucket=RMB", "authorization", "Bearer " + t.key(), "accept", "text/csv");

    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
    List<String> lines = csv.body().lines().toList();
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).isEqualTo("seq,created_at_ms,kind,amount_micros,balance_after_micros,currency,transfer_id,request_id,note");
    assertThat(lines.get(1)).contains(",topup,3000000,6000000,CNY,topup:" + t.accountId() + ":c3,,");
    assertThat(lines.get(3)).endsWith(",topup,1000000,1000000,CNY,topup:" + t.accountId() + ":c1,,\"first, with a comma\"");
    assertThat(accepted.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
    assertThat(accepted.body()).isEqualTo(csv.body());
  }

  @Test
  void ledgerRefusesBadParametersAndAMissingKey() {
    assertRefused(f.get("/v1/wallet/ledger", f.bearer()), 400, "bucket", "missing_required_parameter");
    assertRefused(f.get("/v1/wallet/ledger?bucket=RMB&limit=0", f.bearer()), 400, "limit", "invalid_value");
    assertRefused(f.get("/v1/wallet/ledger?bucket=RMB&after=last", f.bearer()), 400, "after", "invalid_value");
    assertThat(f.get("/v1/wallet/ledger?bucket=RMB").statusCode()).isEqualTo(401);
  }

  @Test
  void chatChargeAppearsInTheLedgerWithTheRequestIdAndCost() {
    HttpResponse<String> chat = f.chat(CHAT);

    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(chat.headers().firstValue("x-tollgate-bucket")).hasValue("RMB");
    String requestId = chat.headers().firstValue("x-tollgate-request-id").orElseThrow();
    long cost = Long.parseLong(chat.headers().firstValue("x-tollgate-cost").orElseThrow());
    assertThat(cost).isPositive();
    JsonObject page = new JsonObject(f.get("/v1/wallet/ledger?bucket=RMB&limit=50", f.bearer()).body());
    List<JsonObject> matching = new ArrayList<>();
    page.getJsonArray("data").forEach(e -> {
      if (requestId.equals(((JsonObject) e).getString("request_id"))) {
        matching.add((JsonObject) e);
      }
    });
    assertThat(matching).singleElement().satisfies(entry -> {
      assertThat(entry.getString("kind")).isEqualTo("charge");
      assertThat(entry.getLong("amount_micros")).isEqualTo(-cost);
      assertThat(entry.getString("transfer_id")).isEqualTo("charge:" + requestId);
    });
    HttpResponse<String> credit = f.get("/v1/wallet/ledger?bucket=CREDIT&limit=50", f.bearer());
    assertThat(credit.body()).doesNotContain(requestId);
  }

  // redeem codes and conversions

  @Test
  void redeemCodeCreditsOnceAndReplaysForTheSameAccount() {
    Tenant t = newTenant("redeem");
    Tenant late = newTenant("redeem-late");
    HttpResponse<String> created = f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"2.5\",\"uses\":1}", f.admin());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonObject code = new JsonObject(created.body());
    String redeem = Json.write(Map.of("code", code.getString("code")));

    HttpResponse<String> first = f.post("/v1/wallet/redeem", redeem, t.bearer());
    HttpResponse<String> again = f.post("/v1/wallet/redeem", redeem, t.bearer());

    assertThat(code.getString("code")).startsWith("tgr-");
    assertThat(code.getLong("amount_micros")).isEqualTo(2_500_000L);
    assertThat(code.getInteger("max_uses")).isEqualTo(1);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(new JsonObject(first.body()).getBoolean("replayed")).isFalse();
    assertThat(new JsonObject(first.body()).getJsonObject("balances_after").getLong("RMB")).isEqualTo(2_500_000L);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(again.body()).getBoolean("replayed")).isTrue();
    assertThat(adminBalance(t, 1)).isEqualTo(2_500_000L);
    assertRefused(f.post("/v1/wallet/redeem", redeem, late.bearer()), 400, null, "invalid_value");
    assertThat(adminBalance(late, 1)).isZero();
    assertRefused(f.post("/v1/wallet/redeem", "{\"code\":\"tgr-nothing\"}", t.bearer()), 404, null, "not_found");
    assertRefused(f.post("/v1/wallet/redeem", "{}", t.bearer()), 400, "code", "missing_required_parameter");
    assertThat(f.post("/v1/wallet/redeem", redeem).statusCode()).isEqualTo(401);
  }

  @Test
  void conversionAtAnExplicitRateMovesValueBetweenBuckets() {
    Tenant t = newTenant("convert");
    topUp(t, "CREDIT", "\"amount\":\"10\"", "fund");
    String convert = "/admin/accounts/" + t.accountId() + "/conversions";

    HttpResponse<String> converted = f.post(convert,
        "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1.5\",\"rate\":\"7.1\",\"idempotency_key\":\"cv\"}", f.admin());

    assertThat(converted.statusCode()).as(converted.body()).isEqualTo(201);
    JsonObject balances = new JsonObject(converted.body()).getJsonObject("balances_after");
    assertThat(balances.getLong("CREDIT")).isEqualTo(8_500_000L);
    assertThat(balances.getLong("RMB")).isEqualTo(10_650_000L);
    assertThat(adminBalance(t, 1)).isEqualTo(10_650_000L);
    assertRefused(f.post(convert, "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":7.1,\"idempotency_key\":\"n\"}",
        f.admin()), 400, "rate", "invalid_type");
    assertRefused(f.post(convert, "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"seven\",\"idempotency_key\":\"n\"}",
        f.admin()), 400, "rate", "invalid_value");
    assertRefused(f.post(convert, "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"0\",\"idempotency_key\":\"n\"}",
        f.admin()), 400, null, "invalid_value");
    assertRefused(f.post(convert, "{\"from\":\"RMB\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"1\",\"idempotency_key\":\"n\"}",
        f.admin()), 400, null, "invalid_value");
    assertRefused(f.post(convert, "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"9\",\"rate\":\"7.1\",\"idempotency_key\":\"n\"}",
        f.admin()), 402, null, "insufficient_balance");
    assertThat(adminBalance(t, 0)).isEqualTo(8_500_000L);
  }

  @Test
  void conversionWhoseResultCannotBeRepresentedIsRefusedAsInvalid() {
    Tenant t = newTenant("absurd-rate");
    topUp(t, "CREDIT", "\"amount\":\"1\"", "fund");

    assertRefused(f.post("/admin/accounts/" + t.accountId() + "/conversions",
        "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"1e30\",\"idempotency_key\":\"absurd\"}", f.admin()),
        400, null, "invalid_value");
    assertThat(adminBalance(t, 0)).isEqualTo(UNIT);
  }

  @Test
  void walletOfAnUnknownAccountIsNotFound() {
    assertRefused(f.get("/admin/accounts/acct_missing/wallet", f.admin()), 404, null, "not_found");
  }

  // the operator's checks and doors

  @Test
  void verifyReportsEveryInvariantIntact() {
    Tenant t = newTenant("verify");
    topUp(t, "RMB", "\"amount\":\"1\"", "v");
    assertThat(f.chat(CHAT).statusCode()).isEqualTo(200);

    HttpResponse<String> response = f.get("/admin/ledger/verify", f.admin());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonObject report = new JsonObject(response.body());
    assertThat(report.getBoolean("ok")).isTrue();
    assertThat(report.getJsonArray("checks")).hasSize(10)
        .allSatisfy(check -> assertThat(((JsonObject) check).getBoolean("ok")).as(check.toString()).isTrue());
    assertThat(report.getString("report")).contains("ledger verify: all invariants hold");
  }

  @Test
  void adminMoneyRoutesRefuseAMissingOrWrongAdminToken() {
    String id = f.project.accountId();
    String topUp = "{\"bucket\":\"RMB\",\"amount\":\"1\",\"idempotency_key\":\"no-token\"}";
    List<HttpResponse<String>> refused = new ArrayList<>();
    for (String[] auth : List.of(new String[0], f.bearer())) {
      refused.add(f.post("/admin/accounts/" + id + "/topups", topUp, auth));
      refused.add(f.post("/admin/accounts/" + id + "/adjustments", "{\"bucket\":\"RMB\",\"amount_micros\":1,\"idempotency_key\":\"x\"}", auth));
      refused.add(f.post("/admin/accounts/" + id + "/conversions",
          "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"7.1\",\"idempotency_key\":\"x\"}", auth));
      refused.add(f.put("/admin/accounts/" + id + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":1}", auth));
      refused.add(f.get("/admin/accounts/" + id + "/wallet", auth));
      refused.add(f.post("/admin/redeem-codes", "{\"bucket\":\"RMB\",\"amount\":\"1\"}", auth));
      refused.add(f.get("/admin/ledger/verify", auth));
    }

    assertThat(refused).allSatisfy(response -> {
      assertThat(response.statusCode()).as(response.uri().toString()).isEqualTo(401);
      assertThat(new JsonObject(response.body()).getJsonObject("error").getString("code")).isEqualTo("invalid_admin_token");
    });
    long transfers = f.store.read(c -> {
      try (var s = c.prepareStatement("SELECT COUNT(*) FROM transfers WHERE id IN (?, ?, ?)")) {
        s.setString(1, "topup:" + id + ":no-token");
        s.setString(2, "adjustment:" + id + ":x");
        s.setString(3, "conversion:" + id + ":x:out");
        try (var rs = s.executeQuery()) {
          return rs.next() ? rs.getLong(1) : -1L;
        }
      }
    });
    assertThat(transfers).isZero();
    assertThat(f.store.read(c -> LedgerSql.wallet(c, LedgerIds.wallet(id, Bucket.RMB))).overdraft()).isZero();
  }

  // helpers

  private static Tenant newTenant(String name) {
    String account = created(f.post("/admin/accounts", "{\"name\":\"" + name + "\"}", f.admin())).getString("id");
    String project = created(f.post("/admin/accounts/" + account + "/projects", "{\"name\":\"p\"}", f.admin())).getString("id");
    String key = created(f.post("/admin/projects/" + project + "/keys", "{\"name\":\"k\"}", f.admin())).getString("secret");
    return new Tenant(account, key);
  }

  private static JsonObject created(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new JsonObject(response.body());
  }

  private static String topUps(Tenant t) {
    return "/admin/accounts/" + t.accountId() + "/topups";
  }

  /** Tops up {@code bucket} with the amount fields given as JSON members. */
  private static void topUp(Tenant t, String bucket, String amountFields, String idempotencyKey) {
    created(f.post(topUps(t), "{\"bucket\":\"" + bucket + "\"," + amountFields + ",\"idempotency_key\":\"" + idempotencyKey + "\"}",
        f.admin()));
  }

  /** The balance of bucket {@code index} (0 CREDIT, 1 RMB) as the operator sees it. */
  private static long adminBalance(Tenant t, int index) {
    HttpResponse<String> response = f.get("/admin/accounts/" + t.accountId() + "/wallet", f.admin());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body()).getJsonArray("buckets").getJsonObject(index).getLong("balance_micros");
  }

  private static JsonObject ledgerPage(Tenant t, String query) {
    HttpResponse<String> response = f.get("/v1/wallet/ledger?" + query, t.bearer());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    return new JsonObject(response.body());
  }

  private static void assertRefused(HttpResponse<String> response, int status, String param, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).as(response.body()).isEqualTo(code);
    if (param != null) {
      assertThat(error.getString("param")).as(response.body()).isEqualTo(param);
    }
  }
}

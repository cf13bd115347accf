package io.tollgate.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member never sees another account's data: every console page, and every page that takes an id, walked by
 * Alice with Bob's ids. Bob's account is funded with amounts Alice's is not, so any leak shows as text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIsolationTest {
  private static final String PASSWORD = "correct horse battery";
  private static final String CHAT_B = "{\"model\":\"chat-b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  /** Bob's starting balances: amounts that appear nowhere in Alice's account. */
  private static final String BOB_CREDIT = "777.125";
  private static final String BOB_RMB = "333.625";
  GatewayFixture f;
  Tenant bob;
  String bobReceipt;
  ConsoleHttp alice;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    f = GatewayFixture.start(dir);
    Tenant aliceTenant = Tenant.create(f, "alice");
    bob = Tenant.funded(f, "bob", BOB_CREDIT, BOB_RMB);
    ConsoleHttp.createMember(f, aliceTenant.accountId(), "alice@example.com", PASSWORD);
    ConsoleHttp.createMember(f, bob.accountId(), "bob@example.com", PASSWORD);
    bobReceipt = bob.chatRouted(f, CHAT_B, "").headers().firstValue("x-tollgate-request-id").orElseThrow();
    aliceTenant.chatRouted(f, CHAT_B, "");
    alice = new ConsoleHttp(f);
    alice.signIn("alice@example.com", PASSWORD);
  }

  @AfterAll
  void stop() throws Exception {
    f.close();
  }

  @Test
  void noMemberPageShowsAnotherAccountsIdsOrAmounts() {
    List<String> pages = List.of("/console/overview", "/console/keys", "/console/catalog", "/console/catalog/chat-b", "/console/playground",
        "/console/usage", "/console/usage?key=" + bob.keyId(), "/console/usage.csv", "/console/usage.csv?key=" + bob.keyId(),
        "/console/wallet", "/console/wallet.csv?bucket=RMB", "/console/wallet.csv?bucket=CREDIT", "/console/research");
    for (String page : pages) {
      HttpResponse<String> response = alice.get(page);
      assertThat(response.statusCode()).as(page).isEqualTo(200);
      assertThat(response.body()).as(page).doesNotContain(bobReceipt).doesNotContain(bob.accountId())
          .doesNotContain(bob.projectId()).doesNotContain("777.125").doesNotContain("333.625")
          .doesNotContain("777125000").doesNotContain("333625000");
    }
  }

  @Test
  void anotherAccountsReceiptIsNotFound() {
    HttpResponse<String> detail = alice.get("/console/usage/" + bobReceipt);
    HttpResponse<String> fragment = alice.get("/console/usage/" + bobReceipt + "?fragment=1");
    assertThat(detail.statusCode()).isEqualTo(404);
    assertThat(fragment.statusCode()).isEqualTo(404);
    assertThat(detail.body() + fragment.body()).doesNotContain("up-b-backup").doesNotContain("333.");
  }

  @Test
  void anotherAccountsResearchRunIsNotFound() {
    String quote = new io.vertx.core.json.JsonObject(f.post("/v1/research/quote", "{\"symbol\":\"ACME\",\"mode\":\"quick\"}",
        bob.bearer()).body()).getString("id");
    String run = new io.vertx.core.json.JsonObject(f.post("/v1/research/runs", "{\"quote_id\":\"" + quote + "\"}", bob.bearer())
        .body()).getString("id");
    f.get("/v1/research/runs/" + run + "/events", bob.bearer());

    assertThat(alice.get("/console/research/runs/" + run).statusCode()).isEqualTo(404);
    assertThat(alice.get("/console/research/runs/" + run + "/events").statusCode()).isEqualTo(404);
    HttpResponse<String> start = alice.postForm("/console/research/runs", Map.of("csrf", alice.csrf(), "quote_id", quote));
    assertThat(start.headers().firstValue("location").orElseThrow()).startsWith("/console/research?error=");
  }

  @Test
  void anotherAccountsKeyCannotBeRevoked() {
    HttpResponse<String> revoke = alice.postForm("/console/keys/" + bob.keyId() + "/revoke", Map.of("csrf", alice.csrf()));
    assertThat(revoke.statusCode()).isEqualTo(404);
    assertThat(f.get("/v1/wallet", bob.bearer()).statusCode()).isEqualTo(200);
  }

  @Test
  void operatorPagesAreRefusedToAMember() {
    String csrf = alice.csrf();
    String bobsWallet = f.get("/v1/wallet", bob.bearer()).body();
    List<String> gets = List.of("/console/ops/channels", "/console/ops/routes", "/console/ops/accounts", "/console/ops/ledger",
        "/console/ops/config");
    for (String page : gets) {
      assertThat(alice.get(page).statusCode()).as(page).isEqualTo(403);
    }
    List<String> posts = List.of("/console/ops/accounts/" + bob.accountId() + "/topup", "/console/ops/accounts/" + bob.accountId()
        + "/adjust", "/console/ops/accounts/" + bob.accountId() + "/overdraft", "/console/ops/ledger", "/console/ops/config");
    for (String post : posts) {
      assertThat(alice.postForm(post, Map.of("csrf", csrf, "amount", "5", "bucket", "RMB", "note", "x")).statusCode())
          .as(post).isEqualTo(403);
    }
    assertThat(f.get("/v1/wallet", bob.bearer()).body()).isEqualTo(bobsWallet);
  }

  @Test
  void anOperatorIsSentToTheOperatorPagesNotAMembersOwn() {
    ConsoleHttp operator = new ConsoleHttp(f);
    operator.signInAsOperator(f.adminToken);
    assertThat(operator.get("/console/usage/" + bobReceipt).headers().firstValue("location")).hasValue("/console/ops/channels");
  }
}

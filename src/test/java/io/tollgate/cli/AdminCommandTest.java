package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's daily work from the command line, through a running gateway's admin API. */
class AdminCommandTest {
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

  private static Cli.Run admin(String... args) {
    String[] all = new String[args.length + 5];
    all[0] = "admin";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--url";
    all[args.length + 2] = f.url("");
    all[args.length + 3] = "--admin-token";
    all[args.length + 4] = f.adminToken;
    return Cli.run(all);
  }

  @Test
  void topsUpAdjustsAndShowsTheWalletWithoutCurl() {
    Tenant t = Tenant.funded(f, "cli-ops", null, "1");
    long before = Wallets.balance(f.store, t.accountId(), Bucket.RMB);

    Cli.Run topup = admin("topup", t.accountId(), "--bucket", "RMB", "--amount", "2.50", "--idempotency-key", "cli-1");
    Cli.Run again = admin("topup", t.accountId(), "--bucket", "RMB", "--amount", "2.50", "--idempotency-key", "cli-1");
    Cli.Run adjust = admin("adjust", t.accountId(), "--bucket", "RMB", "--amount-micros", "-500000", "--idempotency-key",
        "cli-2", "--note", "refund reversal");
    Cli.Run wallet = admin("wallet", t.accountId());

    assertThat(topup.code()).as(topup.err()).isZero();
    assertThat(again.code()).isZero();
    assertThat(adjust.code()).as(adjust.err()).isZero();
    assertThat(Wallets.balance(f.store, t.accountId(), Bucket.RMB)).isEqualTo(before + 2_500_000 - 500_000);
    assertThat(new JsonObject(wallet.out()).getString("account_id")).isEqualTo(t.accountId());
    assertThat(wallet.out()).doesNotContain(f.adminToken);
  }

  @Test
  void listsReceiptsUsageAndChannelsAndReloads() {
    Tenant t = Tenant.create(f, "cli-read");
    String id = f.post("/v1/chat/completions", "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        t.bearer()).headers().firstValue("x-tollgate-request-id").orElseThrow();

    assertThat(new JsonObject(admin("receipts", id).out()).getString("id")).isEqualTo(id);
    assertThat(new JsonObject(admin("receipts", "--project", t.projectId()).out()).getJsonArray("data")).hasSize(1);
    assertThat(new JsonObject(admin("usage", "--group-by", "project", "--project", t.projectId()).out())
        .getString("object")).isEqualTo("usage_report");
    assertThat(admin("channels").out()).contains("main");
    assertThat(admin("reload").code()).isZero();
  }

  @Test
  void anErrorIsOneLineWithTheGatewaysMessageAndAMissingTokenIsNamed() {
    Cli.Run unknown = admin("wallet", "acct_nope", "--bucket");
    assertThat(unknown.code()).isNotZero();
    Cli.Run refused = admin("topup", "acct_nope", "--bucket", "GOLD", "--amount", "1", "--idempotency-key", "x");
    assertThat(refused.code()).isEqualTo(1);
    // the in-process gateway logs to the same stderr: the CLI's own line is the one that starts with "error: "
    assertThat(refused.err().lines().filter(line -> line.startsWith("error: ")).toList()).singleElement()
        .satisfies(line -> assertThat(line).contains("bucket").doesNotContain("Exception"));

    Cli.Run noToken = Cli.run("admin", "channels", "--url", f.url(""));
    assertThat(noToken.code()).isEqualTo(1);
    assertThat(noToken.err()).contains("TOLLGATE_ADMIN_TOKEN").as("never advises a token on the command line").doesNotContain("--admin-token");
    Cli.Run noGateway = Cli.run("admin", "channels", "--url", "http://127.0.0.1:1", "--admin-token", "x");
    assertThat(noGateway.err()).contains("no gateway answers");
  }
}

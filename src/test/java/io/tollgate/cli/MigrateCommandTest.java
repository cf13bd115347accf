package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.store.Store;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate migrate}: an embedded store copied into PostgreSQL, verified, and never into a database in use. */
class MigrateCommandTest {
  @TempDir
  Path dir;

  @Test
  void copiesAnEmbeddedStoreIntoPostgresWithTheSameBalancesAndReceiptsAndRefusesANonEmptyTarget() throws Exception {
    String url = Postgres.freshSchema("migrate");
    try {
      long balance;
      String accountId;
      String receiptId;
      try (GatewayFixture f = GatewayFixture.start(dir)) {
        var chat = f.chat("""
            {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""");
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(f.chat("""
            {"model":"chat-a","stream":true,"max_tokens":6,"messages":[{"role":"user","content":"count"}]}""").statusCode())
            .isEqualTo(200);
        receiptId = chat.headers().firstValue("x-tollgate-request-id").orElseThrow();
        accountId = f.project.accountId();
        balance = Wallets.balance(f.store, accountId, Bucket.RMB);
      }
      String to = "postgres:" + url + "&user=" + Postgres.user();

      Cli.Run run = Cli.run("migrate", "--from", "sqlite:" + dir, "--to", to);

      assertThat(run.code()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).contains("ok   the same balances and receipts on both sides").doesNotContain("FAIL");
      try (Store copy = Postgres.open(url, "check")) {
        assertThat(Wallets.balance(copy, accountId, Bucket.RMB)).isEqualTo(balance);
        java.util.Optional<io.tollgate.receipts.Receipt> receipt = copy.read(c -> io.tollgate.receipts.ReceiptSql.byId(c, receiptId));
        assertThat(receipt).isPresent();
      }

      Cli.Run again = Cli.run("migrate", "--from", "sqlite:" + dir, "--to", to);

      assertThat(again.code()).isEqualTo(1);
      assertThat(again.err()).contains("is not empty").contains("create a new database");
    } finally {
      Postgres.drop(url);
    }
  }
}

package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.Bucket;
import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway end to end on a PostgreSQL store: the same answers, charges, receipts and ledger as on the file. */
class PostgresGatewayTest {
  @TempDir
  Path dir;
  String url;
  GatewayFixture f;

  @BeforeEach
  void start() throws Exception {
    url = Postgres.freshSchema("gateway");
    f = GatewayFixture.startPostgres(dir, url, "gw-1");
  }

  @AfterEach
  void stop() throws Exception {
    if (f != null) {
      f.close();
    }
    Postgres.drop(url);
  }

  @Test
  void chargesAChatAndAStreamWithReceiptsAndACleanLedger() {
    long before = Wallets.balance(f.store, f.project.accountId(), Bucket.RMB);
    HttpResponse<String> chat = f.chat("""
        {"model":"chat-a","messages":[{"role":"user","content":"hello there"}],"max_tokens":10}""");
    HttpResponse<String> stream = f.chat("""
        {"model":"chat-a","stream":true,"stream_options":{"include_usage":true},"max_tokens":6,
         "messages":[{"role":"user","content":"count"}]}""");

    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    assertThat(stream.body()).contains("data: [DONE]");
    long charged = 0;
    for (HttpResponse<String> r : java.util.List.of(chat, stream)) {
      String id = r.headers().firstValue("x-tollgate-request-id").orElseThrow();
      JsonObject receipt = new JsonObject(f.get("/v1/receipts/" + id, f.bearer()).body());
      assertThat(receipt.getBoolean("charged")).as(receipt.encode()).isTrue();
      r.headers().firstValue("x-tollgate-cost").ifPresent(cost ->
          assertThat(receipt.getLong("charged_micros")).isEqualTo(Long.parseLong(cost)));
      charged += receipt.getLong("charged_micros");
    }
    assertThat(charged).isPositive();
    assertThat(Wallets.balance(f.store, f.project.accountId(), Bucket.RMB)).isEqualTo(before - charged);
    JsonObject verify = new JsonObject(f.get("/admin/ledger/verify", f.admin()).body());
    assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
  }

  @Test
  void aRestartRestoresTheSameCore() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(f.chat("""
          {"model":"chat-a","messages":[{"role":"user","content":"hello"}],"max_tokens":5}""").statusCode()).isEqualTo(200);
    }
    Snapshot before = Accountant.of(f.store, f.clock).view().snapshot();

    f.restart();

    assertThat(Accountant.of(f.store, f.clock).view().snapshot()).isEqualTo(before);
    JsonObject verify = new JsonObject(f.get("/admin/ledger/verify", f.admin()).body());
    assertThat(verify.getBoolean("ok")).as(verify.encode()).isTrue();
  }
}

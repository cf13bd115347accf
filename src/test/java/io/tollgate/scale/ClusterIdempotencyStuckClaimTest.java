package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the cross-process Idempotency-Key claim: a request whose result is not kept (a refusal before any upstream
 * call, a transient 503 such as accounting_unavailable) ends its claim by writing that result on it
 * ({@code IdempotencyClaims.finish}), once, with no retry. When that one write fails (PostgreSQL unreachable for a
 * moment, exactly when a request is refused accounting_unavailable), the claim stays "in flight" (status null) under
 * a request that has ended: its in-process entry is gone, nothing will ever finish the claim, and every retry with the
 * key, on any process including the one that ran it, waits until the claim expires (the longest route's timeouts plus
 * a minute: at the default timeouts 11 minutes and more), though the request is long over and PostgreSQL is back.
 */
class ClusterIdempotencyStuckClaimTest {
  /** A model no route serves: refused 404 before any upstream call, a result that is not kept. */
  private static final String UNKNOWN = "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";

  @TempDir
  static Path dir;
  static String url;
  static GatewayFixture a;
  static GatewayFixture b;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_idem_stuck");
    a = GatewayFixture.startPostgres(dir, url, "gw-a");
    b = a.peer("gw-b");
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @Test
  void aRetryIsNotStuckBehindTheClaimOfARequestThatEndedWhilePostgresFailedAWrite() throws Exception {
    // PostgreSQL fails the next two writes of a result on a claim (the batch's try and the task's own retry), as it
    // would while unreachable; a sequence, not a table, counts them: it survives the rollback
    Wallets.execute(a.store, "CREATE SEQUENCE review_finish_failures");
    Wallets.execute(a.store, "CREATE FUNCTION review_fail_finish() RETURNS trigger AS $$ BEGIN"
        + " IF NEW.status IS NOT NULL AND nextval('review_finish_failures') <= 2 THEN"
        + " RAISE EXCEPTION 'simulated: the connection to PostgreSQL was lost'; END IF; RETURN NEW; END $$"
        + " LANGUAGE plpgsql");
    Wallets.execute(a.store, "CREATE TRIGGER review_fail_finish BEFORE UPDATE ON idempotency_claims FOR EACH ROW"
        + " EXECUTE FUNCTION review_fail_finish()");
    String key = UUID.randomUUID().toString();

    HttpResponse<String> first = send(a, key).get(30, TimeUnit.SECONDS);
    assertThat(first.statusCode()).as(first.body()).isEqualTo(404);
    assertThat(Wallets.count(a.store, "SELECT last_value FROM review_finish_failures")).as("writes failed").isPositive();

    // PostgreSQL answers again; the client retries, on the process that ran the first copy and on the other
    CompletableFuture<HttpResponse<String>> againOnA = send(a, key);
    CompletableFuture<HttpResponse<String>> againOnB = send(b, key);
    CompletableFuture.allOf(againOnA, againOnB).completeOnTimeout(null, 15, TimeUnit.SECONDS).join();

    assertThat(againOnA).as("the retry on the process that ran the first copy is answered").isDone();
    assertThat(againOnB).as("the retry on the other process is answered").isDone();
    assertThat(Wallets.count(a.store, "SELECT COUNT(*) FROM idempotency_claims WHERE status IS NULL"))
        .as("claims in flight, though no request with the key runs (expires in %d s)",
            (Wallets.count(a.store, "SELECT COALESCE(MAX(expires_at), 0) FROM idempotency_claims")
                - System.currentTimeMillis()) / 1000)
        .isZero();
    assertThat(againOnA.join().statusCode()).isEqualTo(404);
  }

  private static CompletableFuture<HttpResponse<String>> send(GatewayFixture g, String key) {
    return g.chatAsync(UNKNOWN, Duration.ofSeconds(120), "idempotency-key", key);
  }
}

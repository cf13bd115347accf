package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Postgres;
import io.tollgate.testing.Wallets;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the cluster-wide reload: {@code ClusterReload.announce} raises the process's {@code seen} generation to the
 * one it is writing inside the write transaction, before the commit ("this process's own tick never takes its
 * announcement for another's"). When that transaction fails (PostgreSQL unreachable for a moment), the generation in
 * the database stays where it was, but this process believes it has seen the next one: when another process is later
 * asked to reload and announces exactly that generation, this process takes it for its own and never reloads. Its
 * prices and multipliers stay the old ones while every other process serves the new: customers are charged
 * differently depending on which process answers, until the next reload.
 */
class ClusterReloadLostAnnouncementTest {
  @TempDir
  static Path dir;
  static String url;
  static GatewayFixture a;
  static GatewayFixture b;
  static Path bConfig;

  @BeforeAll
  static void start() throws Exception {
    url = Postgres.freshSchema("cluster_reload_lost");
    a = GatewayFixture.startPostgres(dir, url, "gw-a");
    bConfig = dir.resolve("gw-b.yaml");
    Files.copy(a.configFile, bConfig);
    b = a.peer("gw-b", bConfig);
  }

  @AfterAll
  static void stop() throws Exception {
    GatewayFixture.closeAll(a, b);
    Postgres.drop(url);
  }

  @Test
  void aProcessWhoseAnnouncementFailedStillFollowsTheNextReloadOfAnother() throws Exception {
    // PostgreSQL fails the commit of the first write of the generation, as it would while unreachable; a sequence counts the writes
    // (it survives the rollback)
    Wallets.execute(a.store, "CREATE SEQUENCE review_generation_writes");
    Wallets.execute(a.store, "CREATE FUNCTION review_fail_generation() RETURNS trigger AS $$ BEGIN"
        + " IF NEW.name = 'config_generation' AND nextval('review_generation_writes') = 1 THEN"
        + " RAISE EXCEPTION 'simulated: the connection to PostgreSQL was lost'; END IF; RETURN NEW; END $$"
        + " LANGUAGE plpgsql");
    // checked at the commit (a deferred constraint trigger): the commit fails, as a commit does when the connection
    // drops under it, after the transaction's work ran
    Wallets.execute(a.store, "CREATE CONSTRAINT TRIGGER review_fail_generation AFTER INSERT OR UPDATE ON settings"
        + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION review_fail_generation()");

    // gw-a is asked to reload: its file is accepted (200), passing it on fails (gw-a logs a warning)
    setMultiplier(a.configFile, "1.5");
    HttpResponse<String> first = a.post("/admin/config/reload", "{}", a.admin());
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(a.gateway.config().current().multipliers().globalPpm()).isEqualTo(1_500_000L);
    eventually(() -> Wallets.count(a.store, "SELECT last_value FROM review_generation_writes") >= 1);

    // later the operator raises the multiplier in every process's file and asks gw-b to reload
    setMultiplier(a.configFile, "2.0");
    setMultiplier(bConfig, "2.0");
    HttpResponse<String> second = b.post("/admin/config/reload", "{}", b.admin());
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    eventually(() -> Wallets.count(a.store,
        "SELECT COUNT(*) FROM settings WHERE name = 'config_generation' AND value = '1'") == 1);

    // gw-a must follow gw-b's reload within about a second
    eventually(() -> a.gateway.config().current().multipliers().globalPpm() == 2_000_000L);
  }

  private static void setMultiplier(Path file, String value) throws Exception {
    String yaml = Files.readString(file).replaceFirst("(?m)^  multiplier: .*$", "  multiplier: " + value);
    Files.writeString(file, yaml);
  }

  /** Waits for {@code condition}; fails after 10 s. */
  private static void eventually(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 100 && !condition.getAsBoolean(); i++) {
      Thread.sleep(100);
    }
    assertThat(condition.getAsBoolean()).as("within 10 s").isTrue();
  }
}

package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.tollgate.cli.Cli.ADMIN_TOKEN;
import static io.tollgate.cli.Cli.SECRET;
import static io.tollgate.cli.Cli.run;

import io.tollgate.cli.Cli.Run;
import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import io.tollgate.testing.GatewayFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code tollgate} command line, run in-process as a user would type it. {@code serve} is in {@link ServeTest};
 * {@code mock-upstream} blocks until stopped, so only its help is exercised here.
 */
class CliTest {
  @TempDir
  Path dir;

  /** Runs a tenant command ({@code accounts}, {@code projects}, {@code keys}) against this test's database. */
  private Run tenant(String group, String... rest) {
    initialized(dir.resolve("data"));
    List<String> args = new ArrayList<>(List.of(group, "--data", dir.resolve("data").toString()));
    args.addAll(Arrays.asList(rest));
    return run(args.toArray(String[]::new));
  }

  /** Makes the database in {@code data} with {@code tollgate init}, once: only init and serve create one. */
  private Path initialized(Path data) {
    if (!Files.exists(data.resolve(DataOption.FILE_NAME))) {
      Run init = run("init", "--config", dir.resolve("init-" + data.getFileName() + ".yaml").toString(), "--data", data.toString());
      assertThat(init.code()).as(init.err()).isZero();
    }
    return data;
  }

  private String createAccount(String name) {
    Run created = tenant("accounts", "create", name);
    assertThat(created.code()).as(created.err()).isZero();
    return created.columns()[0];
  }

  private String createProject(String accountId, String name) {
    Run created = tenant("projects", "create", "--account", accountId, name);
    assertThat(created.code()).as(created.err()).isZero();
    return created.columns()[0];
  }

  @Test
  void topLevelHelpListsEveryCommand() {
    Run help = run("--help");

    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: tollgate")
        .contains("serve", "init", "accounts", "projects", "keys", "mock-upstream");
  }

  @Test
  void noArgumentsPrintsUsage() {
    Run bare = run();

    assertThat(bare.code()).isZero();
    assertThat(bare.out()).contains("Usage: tollgate");
  }

  @Test
  void helpCommandAndVersionWork() {
    Run help = run("help", "keys");
    Run version = run("--version");

    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("Usage: tollgate keys").contains("create", "list", "revoke");
    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("tollgate ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"serve", "init", "accounts", "projects", "keys", "mock-upstream",
      "accounts create", "accounts list", "projects create", "projects list",
      "keys create", "keys list", "keys revoke", "ledger", "ledger verify", "limits", "limits set", "limits list",
      "limits clear", "admin-token", "admin-token rotate", "config", "config check", "demo", "demo tour"})
  void everyCommandPrintsItsHelp(String command) {
    List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
    args.add("--help");

    Run help = run(args.toArray(String[]::new));

    assertThat(help.code()).as(help.err()).isZero();
    assertThat(help.out()).contains("Usage: tollgate " + command);
    assertThat(help.err()).isEmpty();
  }

  @Test
  void initWritesLoadableConfigAndPrintsAdminTokenOnce() throws Exception {
    Path config = dir.resolve("t.yaml");
    Path data = dir.resolve("d");

    Run init = run("init", "--config", config.toString(), "--data", data.toString());

    assertThat(init.code()).as(init.err()).isZero();
    Matcher token = ADMIN_TOKEN.matcher(init.out());
    assertThat(token.find()).as(init.out()).isTrue();
    assertThat(token.find()).as("the token is printed once").isFalse();
    assertThat(data.resolve(DataOption.FILE_NAME)).exists();

    GatewayConfig loaded = new ConfigLoader(Map.of("OPENAI_API_KEY", "sk-test", "RELAY_API_KEY", "sk-relay")::get)
        .load(config);
    assertThat(loaded.models()).isNotEmpty();
    assertThat(loaded.channels()).isNotEmpty();
  }

  @Test
  void starterConfigNamesTheMissingEnvironmentVariable() {
    Path config = dir.resolve("t.yaml");
    assertThat(run("init", "--config", config.toString(), "--data", dir.resolve("d").toString()).code()).isZero();

    assertThatThrownBy(() -> new ConfigLoader(name -> null).load(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("OPENAI_API_KEY");
  }

  @Test
  void aMistypedOptionIsNamedNotOnlyTheRequiredOneItWasMeantFor() {
    Run typo = run("keys", "create", "--projet", "proj_x", "--data", dir.resolve("nowhere").toString());

    assertThat(typo.code()).isEqualTo(2);
    assertThat(typo.err()).contains("Unknown option: '--projet'").contains("Missing required option: '--project=ID'");
    Run dashValue = run("keys", "create", "--name", "-dash", "--projet", "p", "--projet", "q");
    assertThat(dashValue.err()).as("an option's value that starts with '-' is no option; a typo is named once")
        .doesNotContain("'-dash'").containsOnlyOnce("Unknown option: '--projet'");
  }

  @Test
  void secondInitWithoutForceRefusesAndKeepsTheFile() throws Exception {
    Path config = dir.resolve("t.yaml");
    String data = dir.resolve("d").toString();
    assertThat(run("init", "--config", config.toString(), "--data", data).code()).isZero();
    Files.writeString(config, "# edited by the operator\n", StandardOpenOption.APPEND);
    String edited = Files.readString(config);

    Run again = run("init", "--config", config.toString(), "--data", data);

    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("already exists").contains("--force")
        .as("following the hint would end the admin token in use: the hint says so").contains("also replaces the admin token");
    assertThat(again.out()).doesNotContain("tga-");
    assertThat(Files.readString(config)).isEqualTo(edited);
  }

  @Test
  void initIntoExistingDatabaseDoesNotReplaceAdminTokenWithoutForce() {
    String data = dir.resolve("d").toString();
    assertThat(run("init", "--config", dir.resolve("a.yaml").toString(), "--data", data).code()).isZero();

    Run second = run("init", "--config", dir.resolve("b.yaml").toString(), "--data", data);

    assertThat(second.code()).isZero();
    assertThat(second.out()).doesNotContain("tga-").contains("already has an admin token")
        .contains(Path.of(data, DataOption.FILE_NAME).toString())
        .contains("tollgate admin-token rotate").contains("POST /admin/token/rotate");
  }

  @Test
  void adminTokenRotatePrintsANewTokenOnceAndTheOldOneStopsWorking() throws Exception {
    Path data = dir.resolve("d");
    String first = run("init", "--config", dir.resolve("t.yaml").toString(), "--data", data.toString()).find(ADMIN_TOKEN);

    Run rotated = run("admin-token", "rotate", "--data", data.toString());

    assertThat(rotated.code()).as(rotated.err()).isZero();
    Matcher token = ADMIN_TOKEN.matcher(rotated.out());
    assertThat(token.find()).as(rotated.out()).isTrue();
    String second = token.group();
    assertThat(token.find()).as("the token is printed once").isFalse();
    assertThat(second).isNotEqualTo(first);
    assertThat(rotated.out()).contains("no longer works");
    try (io.tollgate.store.Store store = io.tollgate.store.Store.openReadOnly(data.resolve(DataOption.FILE_NAME))) {
      byte[] stored = io.tollgate.auth.AdminToken.storedHash(store).orElseThrow();
      assertThat(stored).isEqualTo(io.tollgate.auth.Secrets.sha256(second)).isNotEqualTo(io.tollgate.auth.Secrets.sha256(first));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ledger verify", "accounts list", "accounts create acme", "projects list",
      "projects create --account acct_x p", "keys list", "keys create --project proj_x", "keys revoke key_x",
      "limits list", "limits set --scope account --subject acct_x --metric requests --window day --cap 3",
      "limits clear lim_x", "admin-token rotate"})
  void everyCommandButInitAndServeRefusesAMissingDatabaseAndCreatesNothing(String command) {
    Path data = dir.resolve("wrong-data");
    List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
    args.addAll(List.of("--data", data.toString()));

    Run refused = run(args.toArray(String[]::new));

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: ").contains(data.resolve(DataOption.FILE_NAME).toString())
        .contains("does not exist").contains("tollgate init").doesNotContain("\tat ");
    assertThat(refused.out()).doesNotContain("tg-").doesNotContain("tga-");
    assertThat(data).doesNotExist();
  }

  @Test
  void keysCreateRefusesAModelTheConfigurationDoesNotServeWithAHint() {
    String project = createProject(createAccount("acme"), "chatbot");
    String config = dir.resolve("init-data.yaml").toString();

    Run typo = tenant("keys", "create", "--project", project, "--config", config, "--models", "gpt-4o-mini,gpt-4o-mnii");

    assertThat(typo.code()).isEqualTo(1);
    assertThat(typo.err()).startsWith("error: ").contains("'gpt-4o-mnii'").contains(config)
        .contains("Did you mean 'gpt-4o-mini'?");
    assertThat(typo.out()).doesNotContain("tg-");
    assertThat(tenant("keys", "list").out()).isEmpty();

    Run known = tenant("keys", "create", "--project", project, "--config", config, "--models", "gpt-4o-mini");
    assertThat(known.code()).as(known.err()).isZero();
    assertThat(tenant("keys", "list").out()).contains(known.columns()[0]);
  }

  @Test
  void keysCreateWithModelsNeedsTheConfigurationToCheckThemAgainst() {
    String project = createProject(createAccount("acme"), "chatbot");
    Path missing = dir.resolve("no-such.yaml");

    Run refused = tenant("keys", "create", "--project", project, "--config", missing.toString(), "--models", "gpt-4o-mini");

    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).startsWith("error: ").contains(missing.toString()).contains("--config");
    assertThat(refused.out()).doesNotContain("tg-");
  }

  @Test
  void mockUpstreamHelpListsEveryXMockSetting() {
    Run help = run("mock-upstream", "--help");

    assertThat(help.code()).isZero();
    assertThat(io.tollgate.mock.MockUpstream.SETTINGS.keySet())
        .contains("status", "retry_after", "ignore_max_tokens", "echo_auth", "usage", "cached_tokens", "when_model");
    for (String setting : io.tollgate.mock.MockUpstream.SETTINGS.keySet()) {
      assertThat(help.out()).as(setting).containsPattern("(?m)^\\s+" + setting + "=");
    }
    assertThat(help.out()).contains("|");
  }

  @Test
  void initWithForceReplacesAdminToken() {
    Path config = dir.resolve("t.yaml");
    String data = dir.resolve("d").toString();
    Run first = run("init", "--config", config.toString(), "--data", data);

    Run forced = run("init", "--config", config.toString(), "--data", data, "--force");

    assertThat(forced.code()).as(forced.err()).isZero();
    Matcher before = ADMIN_TOKEN.matcher(first.out());
    Matcher after = ADMIN_TOKEN.matcher(forced.out());
    assertThat(before.find()).isTrue();
    assertThat(after.find()).isTrue();
    assertThat(after.group()).isNotEqualTo(before.group());
  }

  @Test
  void createsAccountAndProjectAndListsThem() {
    String account = createAccount("acme");
    assertThat(account).startsWith("acct_");

    Run project = tenant("projects", "create", "--account", account, "chatbot");

    assertThat(project.code()).as(project.err()).isZero();
    String[] columns = project.columns();
    assertThat(columns[0]).startsWith("proj_");
    assertThat(columns).containsExactly(columns[0], account, "chatbot");
    assertThat(tenant("accounts", "list").out()).contains(account + "\tacme");
    assertThat(tenant("projects", "list", "--account", account).out()).contains(columns[0] + "\t" + account);
  }

  @Test
  void projectInMissingAccountFailsWithClearError() {
    Run missing = tenant("projects", "create", "--account", "acct_missing", "x");

    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("error:").contains("acct_missing").contains("does not exist");
    assertThat(missing.out()).isEmpty();
  }

  @Test
  void keysCreateTakesAnExpiryAndRefusesAnUnreadableOne() {
    String project = createProject(createAccount("expiring"), "trial");

    Run days = tenant("keys", "create", "--project", project, "--expires", "30d");
    Run instant = tenant("keys", "create", "--project", project, "--expires", "2099-01-31T00:00:00Z");
    Run past = tenant("keys", "create", "--project", project, "--expires", "2001-01-01T00:00:00Z");
    Run garbage = tenant("keys", "create", "--project", project, "--expires", "next week");

    assertThat(days.code()).as(days.err()).isZero();
    assertThat(instant.code()).as(instant.err()).isZero();
    try (io.tollgate.store.Store store = io.tollgate.store.Store.openReadOnly(dir.resolve("data").resolve("tollgate.db"))) {
      long expiresAt = io.tollgate.testing.Wallets.scalar(store, "SELECT expires_at FROM api_keys WHERE id = '"
          + instant.columns()[0] + "'");
      assertThat(expiresAt).isEqualTo(java.time.Instant.parse("2099-01-31T00:00:00Z").toEpochMilli());
    }
    assertThat(past.code()).isEqualTo(1);
    assertThat(past.err()).contains("not in the future");
    assertThat(garbage.code()).isEqualTo(1);
    assertThat(garbage.err()).contains("--expires").contains("30d");
  }

  @Test
  void keyLifecycleShowsSecretOnceAndRevokesOnce() {
    String project = createProject(createAccount("acme"), "chatbot");

    Run created = tenant("keys", "create", "--project", project, "--route-types", "official");

    assertThat(created.code()).as(created.err()).isZero();
    Matcher secret = SECRET.matcher(created.out());
    assertThat(secret.find()).as(created.out()).isTrue();
    String keyId = created.columns()[0];
    assertThat(keyId).startsWith("key_");
    String prefix = secret.group().substring(0, 11);

    Run listed = tenant("keys", "list", "--project", project);
    assertThat(listed.code()).isZero();
    assertThat(listed.out()).contains(keyId).contains(prefix + "...").contains("[official]")
        .doesNotContain(secret.group()).doesNotContain("revoked");

    Run revoked = tenant("keys", "revoke", keyId);
    assertThat(revoked.code()).as(revoked.err()).isZero();
    assertThat(revoked.out()).contains("revoked " + keyId);
    assertThat(tenant("keys", "list").out()).contains(keyId).contains("revoked");

    Run again = tenant("keys", "revoke", keyId);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("error:").contains(keyId);
  }

  @Test
  void keyForMissingProjectFailsWithClearError() {
    Run missing = tenant("keys", "create", "--project", "proj_missing");

    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("proj_missing").contains("does not exist");
    assertThat(missing.out()).doesNotContain("tg-");
  }

  @Test
  void keyWithUnknownRouteTypeFailsWithClearError() {
    String project = createProject(createAccount("acme"), "chatbot");

    Run bad = tenant("keys", "create", "--project", project, "--route-types", "offical");

    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("offical").contains("official or routed");
    assertThat(bad.out()).doesNotContain("tg-");
  }

  @Test
  void dataOptionIsAcceptedAfterTheSubcommand() {
    String data = initialized(dir.resolve("data")).toString();

    Run created = run("accounts", "create", "--data", data, "acme");

    assertThat(created.code()).as(created.err()).isZero();
    assertThat(run("accounts", "list", "--data", data).out()).contains("\tacme");
  }

  @Test
  void unusableDataDirectoryFailsWithOneLineError() throws Exception {
    Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");

    Run failed = run("accounts", "--data", notADirectory.toString(), "list");

    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).startsWith("error: ").contains("plain-file").doesNotContain("\tat ");
  }

  @Test
  void revokingUnknownKeyFails() {
    Run missing = tenant("keys", "revoke", "key_missing");

    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("key_missing");
  }

  @Test
  void ledgerVerifyExitsZeroOnACleanLedgerAndOneOnABrokenOne() throws Exception {
    createAccount("ledger");
    Run clean = tenant("ledger", "verify");
    assertThat(clean.code()).as(clean.out()).isZero();
    assertThat(clean.out()).contains("ok    each bucket's entries sum to zero").contains("all invariants hold");

    try (io.tollgate.store.Store store = io.tollgate.store.Store.open(dir.resolve("data").resolve("tollgate.db"))) {
      store.writeNow(c -> {
        io.tollgate.ledger.LedgerSql.ensureWallet(c, "acct_x", io.tollgate.config.Bucket.RMB, 0);
        try (var s = c.createStatement()) {
          s.executeUpdate("UPDATE ledger_accounts SET balance = 5 WHERE id = 'wallet:acct_x:RMB'");
        }
        return null;
      });
    }
    Run broken = tenant("ledger", "verify");
    assertThat(broken.code()).isEqualTo(1);
    assertThat(broken.out()).contains("FAIL  each balance equals the sum of its entries")
        .contains("wallet:acct_x:RMB: balance 5, entries 0").contains("INVARIANTS BROKEN");
  }

  @Test
  void limitsCanBeSetListedAndCleared() {
    String account = createAccount("limited");
    Run set = tenant("limits", "set", "--scope", "account", "--subject", account, "--metric", "spend", "--bucket", "RMB",
        "--window", "day", "--cap", "12.5");
    assertThat(set.code()).as(set.err()).isZero();
    String id = set.columns()[0];
    assertThat(set.out()).contains("account_daily_spend").contains("cap 12500000 micros RMB");

    assertThat(tenant("limits", "list", "--subject", account).out()).contains(id).contains("account_daily_spend");
    Run bad = tenant("limits", "set", "--scope", "route", "--subject", account, "--metric", "requests", "--window", "day",
        "--cap", "3");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("error:").contains("YAML");
    Run missing = tenant("limits", "set", "--scope", "key", "--subject", "key_missing", "--metric", "requests",
        "--window", "day", "--cap", "3");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("key_missing");

    assertThat(tenant("limits", "clear", id).code()).isZero();
    assertThat(tenant("limits", "list").out()).doesNotContain(id);
    assertThat(tenant("limits", "clear", id).code()).isEqualTo(1);
  }

  @Test
  void writeCommandsAreRefusedWhileAGatewayServesTheDataDirectoryAndReadCommandsWork() throws Exception {
    Path data = dir.resolve("served");
    Files.createDirectories(data);
    Path config = dir.resolve("new.yaml");
    String database = data.resolve(DataOption.FILE_NAME).toString();
    String owner = "pid " + ProcessHandle.current().pid();
    try (GatewayFixture gateway = GatewayFixture.start(data)) {
      String keyPrefix = gateway.key.substring(0, 11);
      List<List<String>> writes = List.of(
          List.of("serve", "--config", gateway.configFile.toString(), "--port", "0"),
          List.of("accounts", "create", "intruder"),
          List.of("projects", "create", "--account", "acct_x", "p"),
          List.of("keys", "create", "--project", gateway.project.id()),
          List.of("keys", "revoke", "key_x"),
          List.of("limits", "set", "--scope", "project", "--subject", gateway.project.id(), "--metric", "requests",
              "--window", "day", "--cap", "3"),
          List.of("limits", "clear", "lim_x"),
          List.of("admin-token", "rotate"),
          List.of("init", "--config", config.toString()));
      for (List<String> write : writes) {
        List<String> args = new ArrayList<>(write);
        args.addAll(List.of("--data", data.toString()));

        Run refused = run(args.toArray(String[]::new));

        assertThat(refused.code()).as(String.join(" ", write)).isEqualTo(1);
        assertThat(refused.err()).as(String.join(" ", write)).startsWith("error: ")
            .contains(database).contains(owner).contains("admin API").doesNotContain("\tat ");
        assertThat(refused.out()).doesNotContain("tg-").doesNotContain("tga-");
      }
      assertThat(config).as("a refused init writes no configuration").doesNotExist();

      Run verify = run("ledger", "verify", "--data", data.toString());
      assertThat(verify.code()).as(verify.err()).isZero();
      assertThat(verify.out()).contains("all invariants hold");
      assertThat(run("accounts", "list", "--data", data.toString()).out()).contains("\ttest").doesNotContain("intruder");
      assertThat(run("projects", "list", "--data", data.toString()).out()).contains(gateway.project.id());
      assertThat(run("keys", "list", "--data", data.toString()).out()).contains(keyPrefix + "...");
      assertThat(run("limits", "list", "--data", data.toString()).code()).isZero();
      Run rotate = run("admin-token", "rotate", "--data", data.toString());
      assertThat(rotate.err()).as("how to rotate beside a running gateway").contains("POST /admin/token/rotate");
    }

    Run afterStop = run("accounts", "create", "--data", data.toString(), "after-stop");
    assertThat(afterStop.code()).as(afterStop.err()).isZero();
  }

  @Test
  void aReadCommandOnAMissingDatabaseCreatesNothing() {
    Path data = dir.resolve("nothing-here");

    Run listed = run("accounts", "list", "--data", data.toString());

    assertThat(listed.code()).isEqualTo(1);
    assertThat(listed.err()).startsWith("error: ").contains(data.resolve(DataOption.FILE_NAME).toString())
        .contains("tollgate init");
    assertThat(data).doesNotExist();
  }
}

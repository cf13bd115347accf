package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigLoader;
import io.tollgate.config.GatewayConfig;
import io.tollgate.testing.GatewayFixture;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The {@code tollgate} command line, run in-process as a user would type it. {@code serve} and
 * {@code mock-upstream} block until stopped, so only their help is exercised here.
 */
class CliTest {
  private static final Pattern ADMIN_TOKEN = Pattern.compile("tga-[A-Za-z0-9]{40}");
  private static final Pattern SECRET = Pattern.compile("tg-[A-Za-z0-9]{40}");

  @TempDir
  Path dir;

  /** What one invocation returned and printed. */
  private record Run(int code, String out, String err) {
    /** The first line of output, split on tabs: the CLI prints records as tab-separated columns. */
    String[] columns() {
      return out.lines().findFirst().orElseThrow(() -> new AssertionError("no output; stderr: " + err)).split("\t");
    }
  }

  /** Runs {@code tollgate args...}; the commands print to System.out and System.err, so both are captured. */
  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code;
    try {
      System.setOut(capturedOut);
      System.setErr(capturedErr);
      CommandLine cli = Main.commandLine();
      cli.setOut(new PrintWriter(capturedOut, true));
      cli.setErr(new PrintWriter(capturedErr, true));
      code = cli.execute(args);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Runs a tenant command ({@code accounts}, {@code projects}, {@code keys}) against this test's database. */
  private Run tenant(String group, String... rest) {
    List<String> args = new ArrayList<>(List.of(group, "--data", dir.resolve("data").toString()));
    args.addAll(Arrays.asList(rest));
    return run(args.toArray(String[]::new));
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
      "limits clear"})
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
  void secondInitWithoutForceRefusesAndKeepsTheFile() throws Exception {
    Path config = dir.resolve("t.yaml");
    String data = dir.resolve("d").toString();
    assertThat(run("init", "--config", config.toString(), "--data", data).code()).isZero();
    Files.writeString(config, "# edited by the operator\n", StandardOpenOption.APPEND);
    String edited = Files.readString(config);

    Run again = run("init", "--config", config.toString(), "--data", data);

    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("already exists").contains("--force");
    assertThat(again.out()).doesNotContain("tga-");
    assertThat(Files.readString(config)).isEqualTo(edited);
  }

  @Test
  void initIntoExistingDatabaseDoesNotReplaceAdminTokenWithoutForce() {
    String data = dir.resolve("d").toString();
    assertThat(run("init", "--config", dir.resolve("a.yaml").toString(), "--data", data).code()).isZero();

    Run second = run("init", "--config", dir.resolve("b.yaml").toString(), "--data", data);

    assertThat(second.code()).isZero();
    assertThat(second.out()).doesNotContain("tga-").contains("already has an admin token");
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
    String data = dir.resolve("data").toString();

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

package io.tollgate.cli;

import static io.tollgate.cli.Cli.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.store.Store;
import io.tollgate.users.Users;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate users create|list}: the password from standard input, stored only as its hash. */
class UsersCommandTest {
  @TempDir
  Path dir;

  @Test
  void createsAMemberWhosePasswordSignsInAndIsNeverPrinted() {
    Path data = dir.resolve("data");
    assertThat(run("init", "--config", dir.resolve("tollgate.yaml").toString(), "--data", data.toString()).code()).isZero();
    String account = run("accounts", "create", "Acme", "--data", data.toString()).columns()[0];

    Cli.Run created = withStdin("a long enough password\n",
        () -> run("users", "create", "--account", account, "--email", "Ann@Example.com", "--data", data.toString()));
    Cli.Run tooShort = withStdin("short\n",
        () -> run("users", "create", "--account", account, "--email", "bob@example.com", "--data", data.toString()));
    Cli.Run listed = run("users", "list", "--data", data.toString());

    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.columns()).contains("ann@example.com", "member", account);
    assertThat(created.out() + created.err()).doesNotContain("a long enough password");
    assertThat(tooShort.code()).isEqualTo(2);
    assertThat(tooShort.err()).contains("at least 10 characters");
    assertThat(listed.out()).contains("ann@example.com").doesNotContain("bob@example.com").doesNotContain("argon2");
    try (Store store = Store.openExisting(data.resolve("tollgate.db"))) {
      Users users = new Users(store, Clock.systemUTC());
      assertThat(users.signIn("ann@example.com", "a long enough password")).isPresent();
      assertThat(users.signIn("ann@example.com", "a wrong password")).isEmpty();
    }
  }

  @Test
  void disablesEnablesAndChangesAPassword() {
    Path data = dir.resolve("data");
    assertThat(run("init", "--config", dir.resolve("tollgate.yaml").toString(), "--data", data.toString()).code()).isZero();
    String account = run("accounts", "create", "Acme", "--data", data.toString()).columns()[0];
    assertThat(withStdin("a long enough password\n", () -> run("users", "create", "--account", account, "--email",
        "ann@example.com", "--data", data.toString())).code()).isZero();

    Cli.Run disabled = run("users", "disable", "--email", "Ann@Example.com", "--data", data.toString());
    assertThat(disabled.code()).as(disabled.err()).isZero();
    assertThat(disabled.columns()).contains("ann@example.com", "disabled");
    assertThat(run("users", "list", "--data", data.toString()).out()).contains("disabled");
    assertThat(signsIn(data, "a long enough password")).isFalse();

    assertThat(run("users", "enable", "--email", "ann@example.com", "--data", data.toString()).code()).isZero();
    assertThat(signsIn(data, "a long enough password")).isTrue();

    Cli.Run changed = withStdin("another long password\n",
        () -> run("users", "passwd", "--email", "ann@example.com", "--data", data.toString()));
    assertThat(changed.code()).as(changed.err()).isZero();
    assertThat(changed.out() + changed.err()).doesNotContain("another long password");
    assertThat(signsIn(data, "a long enough password")).isFalse();
    assertThat(signsIn(data, "another long password")).isTrue();
    assertThat(run("users", "disable", "--email", "nobody@example.com", "--data", data.toString()).code()).isEqualTo(2);
  }

  private static boolean signsIn(Path data, String password) {
    try (Store store = Store.openExisting(data.resolve("tollgate.db"))) {
      return new Users(store, Clock.systemUTC()).signIn("ann@example.com", password).isPresent();
    }
  }

  private static Cli.Run withStdin(String text, java.util.function.Supplier<Cli.Run> command) {
    InputStream original = System.in;
    try {
      System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
      return command.get();
    } finally {
      System.setIn(original);
    }
  }
}

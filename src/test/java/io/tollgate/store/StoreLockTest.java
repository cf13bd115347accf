package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process writes a database file: a second opener, in this process or another, is refused by name, and the
 * claim ends with the store or with its process, also when that process is killed.
 */
class StoreLockTest {
  private static final long PID = ProcessHandle.current().pid();

  @TempDir
  Path dir;

  private static void insertRow(Store store, String id) {
    store.writeNow(c -> {
      try (PreparedStatement s = c.prepareStatement("INSERT INTO accounts (id, name, created_at) VALUES (?, 'n', 1)")) {
        s.setString(1, id);
        s.executeUpdate();
      }
      return null;
    });
  }

  private static long count(Store store, String table) {
    return store.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table); ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  @Test
  void aSecondOpenOfTheSameFileIsRefusedNamingTheLockFileTheOwnersPidAndWhatToDo() {
    Path file = dir.resolve("tollgate.db");
    try (Store first = Store.open(file)) {
      assertThatThrownBy(() -> Store.open(file))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining(file.toString())
          .hasMessageContaining("tollgate.db.lock")
          .hasMessageContaining("pid " + PID)
          .hasMessageContaining("stop it")
          .hasMessageContaining("admin API");
      assertThat(first.isOpen()).as("the refusal leaves the owner working").isTrue();
      insertRow(first, "acct_still_writes");
    }
  }

  @Test
  void theSameFileReachedByAnotherPathIsRefusedToo() throws Exception {
    Path file = dir.resolve("tollgate.db");
    Files.createDirectories(dir.resolve("sub"));
    try (Store first = Store.open(file)) {
      assertThatThrownBy(() -> Store.open(dir.resolve("sub").resolve("..").resolve("tollgate.db")))
          .isInstanceOf(StoreException.class).hasMessageContaining("pid " + PID);
    }
  }

  @Test
  void afterTheOwnerClosesTheFileOpensAgainAndKeepsWhatWasWritten() {
    Path file = dir.resolve("tollgate.db");
    try (Store first = Store.open(file)) {
      insertRow(first, "acct_first");
    }
    try (Store second = Store.open(file)) {
      insertRow(second, "acct_second");
      assertThat(count(second, "accounts")).isEqualTo(2);
    }
  }

  @Test
  void aRefusedOpenLeavesNoClaimBehind() {
    Path file = dir.resolve("tollgate.db");
    Store first = Store.open(file);
    assertThatThrownBy(() -> Store.open(file)).isInstanceOf(StoreException.class);
    first.close();

    try (Store again = Store.open(file)) {
      assertThat(again.isOpen()).isTrue();
    }
  }

  @Test
  void anotherProcessIsRefusedWhileThisOneWritesAndTheLockFileNamesTheOwner() throws Exception {
    Path file = dir.resolve("tollgate.db");
    try (Store owner = Store.open(file)) {
      Process other = LockHolder.start(file);
      try {
        String answer = LockHolder.firstLine(other);
        assertThat(answer).startsWith("refused:").contains("pid " + PID).contains(file.toString());
        assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(other.exitValue()).isEqualTo(1);
      } finally {
        other.destroyForcibly();
      }
      insertRow(owner, "acct_owner");
    }
  }

  @Test
  void aStoreHeldByAnotherProcessIsRefusedAndFreedWhenThatProcessIsKilled() throws Exception {
    Path file = dir.resolve("tollgate.db");
    Process other = LockHolder.start(file);
    try {
      String ready = LockHolder.firstLine(other);
      assertThat(ready).isEqualTo("open " + other.pid());
      // the text is read here only while another process owns the lock (see StoreLock: reading it in the owner
      // would drop the owner's claim)
      List<String> text = Files.readAllLines(dir.resolve("tollgate.db.lock"));
      assertThat(text).contains("pid=" + other.pid()).anySatisfy(line -> assertThat(line).startsWith("started="));

      assertThatThrownBy(() -> Store.open(file))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("pid " + other.pid())
          .hasMessageContaining("tollgate.db.lock");

      other.destroyForcibly(); // SIGKILL: the process gets no chance to clean up
      assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
      try (Store after = Store.open(file)) {
        insertRow(after, "acct_after_kill");
        assertThat(count(after, "accounts")).isEqualTo(1);
      }
    } finally {
      other.destroyForcibly();
    }
  }

  @Test
  void aReadOnlyStoreReadsBesideTheOwnerAndRefusesToWrite() {
    Path file = dir.resolve("tollgate.db");
    try (Store owner = Store.open(file)) {
      insertRow(owner, "acct_seen");
      try (Store reader = Store.openReadOnly(file)) {
        assertThat(count(reader, "accounts")).isEqualTo(1);
        assertThatThrownBy(() -> insertRow(reader, "acct_refused"))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("read-only")
            .hasMessageContaining(file.toString());
      }
      insertRow(owner, "acct_after_reader");
      assertThat(count(owner, "accounts")).isEqualTo(2);
    }
  }

  @Test
  void aReadOnlyStoreOpensWithoutAnOwnerAndLeavesTheFileFreeForOne() {
    Path file = dir.resolve("tollgate.db");
    try (Store first = Store.open(file)) {
      insertRow(first, "acct_one");
    }
    try (Store reader = Store.openReadOnly(file); Store writer = Store.open(file)) {
      assertThat(count(reader, "accounts")).isEqualTo(1);
      insertRow(writer, "acct_two");
    }
  }

  @Test
  void aReadOnlyOpenOfAMissingDatabaseCreatesNothing() {
    Path file = dir.resolve("missing").resolve("tollgate.db");

    assertThatThrownBy(() -> Store.openReadOnly(file))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("does not exist");
    assertThat(dir.resolve("missing")).doesNotExist();
  }

  /** A child JVM that opens a store and holds it until killed: the other process of these tests. */
  static final class LockHolder {
    static Process start(Path file) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
          file.toString()).redirectErrorStream(true).start();
    }

    static String firstLine(Process process) throws Exception {
      BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line;
      // the child's logging may come first; its answer is the line that says open or refused
      while ((line = reader.readLine()) != null) {
        if (line.startsWith("open ") || line.startsWith("refused:")) {
          return line;
        }
      }
      throw new AssertionError("the child process ended without an answer");
    }

    public static void main(String[] args) throws Exception {
      Store store;
      try {
        store = Store.open(Path.of(args[0]));
      } catch (StoreException e) {
        System.out.println("refused: " + e.getMessage().replace('\n', ' '));
        System.exit(1);
        return;
      }
      System.out.println("open " + ProcessHandle.current().pid());
      System.out.flush();
      // holds the store until its parent kills it
      while (System.in.read() >= 0) {
        // nothing to do
      }
      store.close();
    }
  }
}

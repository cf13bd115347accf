package io.tollgate.cli;

import io.tollgate.store.Store;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --data DIR} option shared by every command that opens the database. Commands that write open it with
 * {@link #open()}, those that only look with {@link #openReadOnly()}.
 */
final class DataOption {
  static final String FILE_NAME = "tollgate.db";

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "data", scope = CommandLine.ScopeType.INHERIT,
      description = "Directory of the SQLite database (default: ${DEFAULT-VALUE}).")
  Path dir;

  Path file() {
    return dir.resolve(FILE_NAME);
  }

  /**
   * Opens the database for writing: refused, naming the owner, while a gateway (or another command) has it open,
   * so that the command line never writes beside a running gateway.
   */
  Store open() {
    return Store.open(file());
  }

  /** Opens the existing database for reading only; works beside a running gateway and never creates the file. */
  Store openReadOnly() {
    return Store.openReadOnly(file());
  }
}

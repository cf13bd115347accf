package io.tollgate.cli;

import io.tollgate.store.Store;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The {@code --data DIR} option shared by every command that opens the database. */
final class DataOption {
  static final String FILE_NAME = "tollgate.db";

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "data", scope = CommandLine.ScopeType.INHERIT,
      description = "Directory of the SQLite database (default: ${DEFAULT-VALUE}).")
  Path dir;

  Path file() {
    return dir.resolve(FILE_NAME);
  }

  Store open() {
    return Store.open(file());
  }
}

package io.tollgate.cli;

import io.tollgate.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The {@code --data DIR} option shared by every command that opens the database, and which command may open which
 * database how. Only {@code init} and {@code serve} create one ({@link #create()}, {@link #createDemo()}); commands
 * that change an existing one open it with {@link #open()}, those that only look with {@link #openReadOnly()}.
 * The demo keeps a database of its own, marked as the demo's: a real gateway never uses it, and the demo uses no other.
 */
final class DataOption {
  static final String FILE_NAME = "tollgate.db";
  /** Where a real gateway's database lives unless {@code --data} says otherwise. */
  static final Path DEFAULT_DIR = Path.of("data");
  /** Where the demo's database lives unless {@code --data} says otherwise. */
  static final Path DEMO_DIR = DEFAULT_DIR.resolve("demo");

  @Option(names = "--data", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
      description = "Directory of the SQLite database (default: data; for serve --demo and demo tour: data/demo).")
  Path dir;

  @Option(names = "--store", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
      description = {"A PostgreSQL store instead of the data directory's file: jdbc:postgresql://HOST:PORT/DATABASE",
          "(user and password as ?user=...&password=... in the URL, or from PGUSER and PGPASSWORD)."})
  String storeUrl;

  /** The PostgreSQL store named by {@code --store}, as this command's own node; null when the file is meant. */
  io.tollgate.store.PostgresTarget postgres() {
    if (storeUrl == null) {
      return null;
    }
    return new io.tollgate.store.PostgresTarget(storeUrl, System.getenv("PGUSER"), System.getenv("PGPASSWORD"), 2,
        "cli-" + ProcessHandle.current().pid());
  }

  /** The database of a real gateway, and of every command but {@code serve --demo}. */
  Path file() {
    return (dir == null ? DEFAULT_DIR : dir).resolve(FILE_NAME);
  }

  /** The demo's database. */
  Path demoFile() {
    return (dir == null ? DEMO_DIR : dir).resolve(FILE_NAME);
  }

  /**
   * Opens the database of a real gateway for writing, creating it when missing: for {@code init} and {@code serve}.
   * Refused while another process owns it, and when it is the demo's.
   */
  Store create() {
    Store store = storeUrl != null ? Store.openPostgres(postgres()) : Store.open(file());
    if (store.isDemo()) {
      store.close();
      throw new IllegalStateException("the database " + file() + " is a demo database, made by `tollgate serve --demo`;"
          + " a real gateway never uses it, so the demo's funded key, balances and admin token never meet real traffic."
          + " Give the real gateway its own directory with --data DIR (the default is " + DEFAULT_DIR + "; the demo's is "
          + DEMO_DIR + "), or remove " + file().toAbsolutePath().getParent() + " if you want that directory back for it.");
    }
    return store;
  }

  /**
   * Opens the demo's database for writing, creating it and marking it as the demo's when missing: for
   * {@code serve --demo}. Refused when it is a real gateway's.
   */
  Store createDemo() {
    Path file = demoFile();
    boolean fresh = !Files.exists(file);
    Store store = Store.open(file);
    if (fresh) {
      store.markDemo();
    } else if (!store.isDemo()) {
      store.close();
      throw new IllegalStateException("the database " + file + " is not a demo database: it is a real gateway's (made by"
          + " `tollgate init` or `tollgate serve --config`), and the demo would add its own funded account and key to it"
          + " and replace its admin token. Run the demo on a directory of its own: leave out --data (the demo's default"
          + " is " + DEMO_DIR + ") or pass --data with a new directory.");
    }
    return store;
  }

  /**
   * Opens the existing database for writing: refused, naming the owner, while a gateway (or another command) has it
   * open, so that the command line never writes beside a running gateway; refused when there is no database, so that
   * a mistyped {@code --data} never receives a new, empty one.
   */
  Store open() {
    return storeUrl != null ? Store.openPostgres(postgres()) : Store.openExisting(file());
  }

  /** Opens the existing database for reading only; works beside a running gateway and never creates the file. */
  Store openReadOnly() {
    return storeUrl != null ? Store.openPostgres(postgres()) : Store.openReadOnly(file());
  }

  /**
   * The store {@code config} names ({@code store: {kind: postgres}}), as {@code serve} opens it; the data directory's
   * file otherwise, as {@link #create()} opens it.
   */
  Store create(io.tollgate.config.StoreConfig config) {
    if (!config.postgres()) {
      return create();
    }
    String node = config.node() != null ? config.node() : "gw-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    Store store = Store.openPostgres(new io.tollgate.store.PostgresTarget(config.url(), config.user(), config.password(),
        config.poolSize(), node));
    if (store.isDemo()) {
      store.close();
      throw new IllegalStateException("the database " + store.describe() + " is a demo database; a real gateway never uses it");
    }
    return store;
  }
}

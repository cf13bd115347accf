package io.tollgate.redis;

import io.tollgate.ledger.Accountant;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The embedded store as a {@link RebuildSource}: this process's own core, read on the store's writer thread once
 * every event before it committed. Each SQLite file is its own source, named by its path.
 */
public final class CoreSource implements RebuildSource {
  private final StoreAccess store;
  private final Accountant accountant;
  private final String id;

  /** The source of an embedded store: this process's SQLite {@code file}. */
  public CoreSource(StoreAccess store, Accountant accountant, Path file) {
    this(store, accountant, "sqlite-" + digest(file.toAbsolutePath().normalize().toString()));
  }

  /** A source named {@code id}: the same name in every process that shares its journal. */
  public CoreSource(StoreAccess store, Accountant accountant, String id) {
    this.store = store;
    this.accountant = accountant;
    this.id = java.util.Objects.requireNonNull(id, "id");
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public Future<Snapshot> snapshot() {
    // as writer work, the snapshot completes only after the batch it ran in committed: it shows durable events only
    return store.write(c -> accountant.view().snapshot());
  }

  private static String digest(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}

package io.tollgate.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process's exclusive claim to write a database file: an OS lock ({@link FileChannel#tryLock()}) on a file
 * beside it, {@code <database>.lock}, whose text names the owner ({@code pid=} and {@code started=} lines). The OS
 * drops the lock when its process dies, {@code kill -9} included, so a claim is never stale; the file itself stays
 * (deleting it would let two processes lock two different files of the same name).
 *
 * <p>The lock is POSIX's on Linux, which belongs to the process and ends when the process closes <em>any</em>
 * descriptor of the file. So this process never opens a lock file it holds: claims made here are kept in
 * {@link #HELD_HERE} and a second opener in this process is refused from there, before touching the file.
 */
final class StoreLock implements AutoCloseable {
  static final String SUFFIX = ".lock";

  /** Lock files this process holds, by real path, with their owner text. */
  private static final Map<Path, String> HELD_HERE = new ConcurrentHashMap<>();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;
  private boolean released;

  private StoreLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /** Claims {@code database} for this process, or throws a {@link StoreException} naming the owner and what to do. */
  static StoreLock acquire(Path database) throws IOException {
    Path lockFile = lockFileOf(database);
    // the directory's real path, so that two spellings of one file meet here; the lock file itself is not opened
    Path key = lockFile.getParent().toRealPath().resolve(lockFile.getFileName());
    String owner = ownerText();
    String heldHere = HELD_HERE.putIfAbsent(key, owner);
    if (heldHere != null) {
      throw refused(database, lockFile, heldHere);
    }
    try {
      FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      if (lock == null) {
        String otherOwner = read(channel);
        channel.close();
        throw refused(database, lockFile, otherOwner);
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)), 0);
      channel.force(false);
      return new StoreLock(key, channel, lock);
    } catch (IOException | RuntimeException e) {
      HELD_HERE.remove(key);
      throw e;
    }
  }

  /**
   * The lock file of {@code database}: beside the file it really is, so that a symbolic link to an existing database
   * (or a path through a linked folder) meets the same lock as the database's own path.
   */
  static Path lockFileOf(Path database) {
    Path absolute = database.toAbsolutePath();
    try {
      if (java.nio.file.Files.exists(absolute)) {
        absolute = absolute.toRealPath();
      }
    } catch (IOException e) {
      // unreadable: the path as given is the best there is
    }
    return absolute.resolveSibling(absolute.getFileName() + SUFFIX);
  }

  /** Ends the claim: the owner text is cleared, then the lock released. Idempotent. */
  @Override
  public synchronized void close() {
    if (released) {
      return;
    }
    released = true;
    try {
      channel.truncate(0);
      lock.release();
    } catch (IOException e) {
      // closing the channel below releases the lock all the same
    } finally {
      try {
        channel.close();
      } catch (IOException e) {
        // the descriptor is gone either way; the OS has dropped the lock with it
      }
      HELD_HERE.remove(key);
    }
  }

  private static String ownerText() {
    ProcessHandle self = ProcessHandle.current();
    String started = self.info().startInstant().map(Instant::toString).orElse("unknown");
    return "pid=" + self.pid() + "\nstarted=" + started + "\n";
  }

  private static String read(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    channel.read(buffer, 0);
    return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
  }

  private static StoreException refused(Path database, Path lockFile, String ownerText) {
    Map<String, String> owner = new LinkedHashMap<>();
    for (String line : ownerText.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        owner.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    String who = owner.containsKey("pid")
        ? "pid " + owner.get("pid") + " (started " + owner.getOrDefault("started", "unknown") + ")"
        : "another process (its pid is not written yet)";
    return new StoreException("the database " + database + " is already open for writing by " + who + "; lock file "
        + lockFile + ". Only one process may write it: stop it, or make the change through the admin API of the"
        + " running gateway. Read-only commands (ledger verify, accounts/projects/keys/limits list) work beside it.",
        null, true);
  }
}

package io.tollgate.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * The store as seen from an event loop: reads run on a dedicated worker pool, writes on the group-commit writer,
 * and results come back on the caller's context. Nothing here blocks the calling thread.
 */
public final class StoreAccess implements AutoCloseable {
  private final Vertx vertx;
  private final Store store;
  private final WorkerExecutor readers;

  public StoreAccess(Vertx vertx, Store store) {
    this.vertx = vertx;
    this.store = store;
    this.readers = vertx.createSharedWorkerExecutor("tollgate-store-read", 4);
  }

  public Store store() {
    return store;
  }

  public <T> Future<T> read(SqlWork<T> work) {
    return readers.executeBlocking(() -> store.read(work), false);
  }

  public <T> Future<T> write(SqlWork<T> work) {
    Context context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(store.write(work), context);
  }

  @Override
  public void close() {
    readers.close();
  }
}

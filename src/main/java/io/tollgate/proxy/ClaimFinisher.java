package io.tollgate.proxy;

import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an unkept result on its request's Idempotency-Key claim ({@link IdempotencyClaims#finish}) until the write
 * succeeds, the store closes or the process stops. A failed write (PostgreSQL unreachable for a moment: the very
 * moment that makes a request {@code accounting_unavailable}) would otherwise leave the claim in flight under a
 * request that has ended, and every copy in another process would wait on it. Retries run on the store's writer, after a timer that doubles
 * from {@link #MIN_WAIT_MS} up to {@link #MAX_WAIT_MS}: never on an event loop, never waiting on one. Meanwhile a copy
 * in this process takes the claim over (it is its own node's: see {@link IdempotencyClaims}); the pending write then
 * matches no row (another token) and ends.
 */
final class ClaimFinisher {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimFinisher.class);
  static final long MIN_WAIT_MS = 100;
  static final long MAX_WAIT_MS = 5_000;

  private final Vertx vertx;
  private final StoreAccess store;

  ClaimFinisher(Vertx vertx, StoreAccess store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** Writes {@code result} on the claim {@code token}; the first try's outcome, retried in the background on failure. */
  Future<Void> finish(String scope, String token, Idempotency.Stored result) {
    return write(scope, token, result).onFailure(e -> retry(scope, token, result, MIN_WAIT_MS));
  }

  private Future<Void> write(String scope, String token, Idempotency.Stored result) {
    return store.write(c -> {
      IdempotencyClaims.finish(c, scope, token, result);
      return (Void) null;
    });
  }

  private void retry(String scope, String token, Idempotency.Stored result, long waitMs) {
    if (!store.store().isOpen()) {
      // the store closed: the process stops, and its claims end with its node's lock (taken over once expired)
      LOG.warn("the result of a request with an Idempotency-Key was not written on its claim ({}): the store closed",
          scope);
      return;
    }
    try {
      vertx.setTimer(waitMs, id -> write(scope, token, result)
          .onSuccess(v -> LOG.info("the result of a request with an Idempotency-Key is on its claim ({}), at last",
              scope))
          .onFailure(e -> retry(scope, token, result, Math.min(MAX_WAIT_MS, waitMs * 2))));
    } catch (RuntimeException stopping) {
      // Vert.x is closing: the process stops, and its claims end with its node's lock (taken over once expired)
      LOG.warn("the result of a request with an Idempotency-Key was not written on its claim ({}): {}", scope,
          stopping.getMessage());
    }
  }
}

package io.tollgate.redis;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Steps for Redis that must happen in the order they were queued (the pushes of journaled events, rebuilds), one at
 * a time. A step that fails stays first and is run again after a pause, holding back the steps after it: Redis is then
 * {@link #behind} this process's journal.
 */
final class OrderedSteps {
  private final Context context;
  private final long retryMs;
  /** Told of each step's outcome: true when it succeeded, false when it failed (Redis did not answer). */
  private final Consumer<Boolean> answered;
  private final Deque<Supplier<Future<?>>> steps = new ArrayDeque<>();
  private boolean stepping;
  private volatile boolean behind;

  OrderedSteps(Context context, long retryMs, Consumer<Boolean> answered) {
    this.context = context;
    this.retryMs = retryMs;
    this.answered = answered;
  }

  /** Queues {@code step}; from any thread, never blocking. */
  void add(Supplier<Future<?>> step) {
    synchronized (steps) {
      steps.addLast(step);
    }
    kick();
  }

  /** Queues {@code step} and completes with its first run (it runs again until it succeeds, all the same). */
  <T> Future<T> run(Supplier<Future<T>> step) {
    Promise<T> done = Promise.promise();
    add(() -> step.get().andThen(ar -> {
      if (ar.succeeded()) {
        done.tryComplete(ar.result());
      } else {
        done.tryFail(ar.cause());
      }
    }));
    return done.future();
  }

  /** Whether a step failed and the queue has not drained since. */
  boolean behind() {
    return behind;
  }

  /** Runs the first step unless one is running; from any thread. */
  void kick() {
    context.runOnContext(v -> next());
  }

  private void next() {
    Supplier<Future<?>> head;
    synchronized (steps) {
      if (stepping || steps.isEmpty()) {
        return;
      }
      stepping = true;
      head = steps.peekFirst();
    }
    Future<?> running;
    try {
      running = head.get();
    } catch (RuntimeException e) {
      running = Future.failedFuture(e);
    }
    running.onComplete(done -> {
      synchronized (steps) {
        stepping = false;
        if (done.succeeded()) {
          steps.pollFirst();
          behind = behind && !steps.isEmpty();
        } else {
          behind = true;
        }
      }
      answered.accept(done.succeeded());
      if (done.succeeded()) {
        next();
      } else {
        context.owner().setTimer(retryMs, id -> next());
      }
    });
  }
}

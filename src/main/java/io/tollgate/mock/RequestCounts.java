package io.tollgate.mock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Requests received, in total and per requested model; read from test threads while serving. */
final class RequestCounts {

  private final LongAdder total = new LongAdder();
  private final Map<String, LongAdder> byModel = new ConcurrentHashMap<>();

  void record(String model) {
    total.increment();
    if (model != null) {
      byModel.computeIfAbsent(model, key -> new LongAdder()).increment();
    }
  }

  long total() {
    return total.sum();
  }

  long of(String model) {
    LongAdder count = byModel.get(model);
    return count == null ? 0 : count.sum();
  }

  void reset() {
    total.reset();
    byModel.clear();
  }
}

package io.tollgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.store.Store;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of 9012fec. GatewayMetrics.projectionPasses registers {@code tollgate.journal.projection.passes} with
 * {@code FunctionCounter.builder(name, supplier, f)}: Micrometer keeps only a weak reference to the object a function
 * counter reads ({@code CumulativeFunctionCounter.ref}). Gateway passes fresh lambdas ({@code () ->
 * accountant.projectionPasses()[0]}) that nothing else references, so after the first garbage collection the counter
 * reports its last value for ever: the done/busy counts the docs tell operators to watch freeze. (The other function
 * counters read the store and its lock meter, which live as long as the gateway.) FAILS on c3cafaf.
 */
class ProjectionPassesMetricReview11Test {
  @TempDir
  Path dir;

  @Test
  void theProjectionPassCountersKeepCountingAfterAGarbageCollection() throws Exception {
    AtomicLong done = new AtomicLong();
    AtomicLong busy = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    try (Store store = Store.open(dir.resolve("m.db")); GatewayMetrics metrics = new GatewayMetrics(store)) {
      // as Gateway does: lambdas made at the call, referenced by nothing but the registry
      metrics.projectionPasses(() -> done.get(), () -> busy.get(), () -> failed.get());
      done.set(3);
      busy.set(1);
      assertThat(value(metrics, "done")).isEqualTo(3);
      for (int i = 0; i < 5; i++) {
        System.gc();
        Thread.sleep(50);
      }
      done.set(10);
      busy.set(4);
      failed.set(2);
      assertThat(value(metrics, "done")).as("passes done, scraped after a GC").isEqualTo(10);
      assertThat(value(metrics, "busy")).as("passes busy, scraped after a GC").isEqualTo(4);
      assertThat(value(metrics, "failed")).as("passes failed, scraped after a GC").isEqualTo(2);
    }
  }

  private static double value(GatewayMetrics metrics, String outcome) throws Exception {
    java.lang.reflect.Field f = GatewayMetrics.class.getDeclaredField("registry");
    f.setAccessible(true);
    String scrape = ((PrometheusMeterRegistry) f.get(metrics)).scrape();
    Matcher m = Pattern.compile("(?m)^tollgate_journal_projection_passes_total\\{outcome=\"" + outcome + "\"} (\\S+)$")
        .matcher(scrape);
    assertThat(m.find()).as("series for %s in%n%s", outcome, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }
}

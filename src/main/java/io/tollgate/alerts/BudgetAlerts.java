package io.tollgate.alerts;

import io.tollgate.config.AlertsConfig;
import io.tollgate.limits.Limit;
import io.tollgate.limits.LimitRefusal;
import io.tollgate.limits.Limits;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises budget alerts. A threshold is crossed when one posting moves a counter's settled use from below it to at
 * or above it: counters only grow within a window and postings are serialized, so each threshold of each window
 * fires once. A limit's first refusal in its window raises an alert of its own ({@code limit.refused}, with what
 * was used and what the refused request needed): holds reserve the worst case, so a cap is usually met by
 * refusing rather than by spending it whole, and one request asking for more than is left must not stand in for
 * (and so silence) the real 100 % crossing. Alerts never delay a request: the webhook is
 * posted in the background, and a failed post is logged, not retried.
 */
public final class BudgetAlerts {
  private static final Logger LOG = LoggerFactory.getLogger("tollgate.alerts");
  static final long WEBHOOK_TIMEOUT_MS = 5_000;
  /** Alerts already raised, by counter and threshold; forgotten wholesale past this size (a refusal may then alert again). */
  static final int MAX_REMEMBERED = 100_000;

  private final HttpClient client;
  private final Clock clock;
  private final Set<String> raised = ConcurrentHashMap.newKeySet();

  public BudgetAlerts(Vertx vertx, Clock clock) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) WEBHOOK_TIMEOUT_MS));
    this.clock = clock;
  }

  /** After a posting: the thresholds each counter crossed. */
  public void spent(List<Limits.Progress> progress, AlertsConfig config) {
    for (Limits.Progress p : progress) {
      for (int threshold : p.crossed(config.thresholdsPercent())) {
        raise(p.limit(), p.counter(), p.after(), threshold, null, config);
      }
    }
  }

  /** A limit refused a request: the first refusal of its window raises a {@code limit.refused} alert. */
  public void refused(LimitRefusal refusal, AlertsConfig config) {
    raise(refusal.limit(), refusal.counter(), refusal.spent() + refusal.held(), null, refusal.requested(), config);
  }

  /** {@code threshold} null: a refusal, which needed {@code requested}. */
  private void raise(Limit limit, String counter, long used, Integer threshold, Long requested, AlertsConfig config) {
    if (raised.size() > MAX_REMEMBERED) {
      raised.clear();
    }
    if (!raised.add(counter + "|" + (threshold == null ? "refused" : threshold))) {
      return;
    }
    String how = threshold == null ? "was refused at" : "crossed";
    JsonObject alert = new JsonObject()
        .put("type", threshold == null ? "limit.refused" : "limit.threshold_crossed")
        .put("threshold_percent", threshold)
        .put("requested", requested)
        .put("limit", limit.label())
        .put("limit_id", limit.id())
        .put("source", limit.source())
        .put("counter", counter)
        .put("cap", limit.cap())
        .put("used", used)
        .put("metric", limit.metric().wireName())
        .put("bucket", limit.bucket() == null ? null : limit.bucket().name())
        .put("at", clock.instant().toString());
    LOG.warn("budget alert: the {} limit ({}) {} {}: {} used of {} {}", limit.label(), counter, how,
        threshold == null ? "its cap (a request needing " + requested + " more)" : threshold + "% of its cap", used, limit.cap(),
        limit.bucket() == null ? limit.metric().wireName() : limit.bucket().currency() + " micros");
    if (config.webhookUrl() != null) {
      post(config, alert);
    }
  }

  private void post(AlertsConfig config, JsonObject alert) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(config.webhookUrl().toString())
        .setIdleTimeout(WEBHOOK_TIMEOUT_MS).putHeader("content-type", "application/json");
    client.request(options)
        .compose(request -> request.send(alert.toBuffer()))
        .onSuccess(response -> {
          if (response.statusCode() >= 300) {
            LOG.warn("budget alert webhook answered {}; the alert is only in this log", response.statusCode());
          }
        })
        .onFailure(e -> LOG.warn("budget alert webhook failed: {}; the alert is only in this log", e.getMessage()));
  }
}

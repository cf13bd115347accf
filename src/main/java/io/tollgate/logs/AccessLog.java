package io.tollgate.logs;

import io.tollgate.auth.KeyPrefixes;
import io.tollgate.config.Bucket;
import io.tollgate.receipts.Receipt;
import io.tollgate.receipts.ReceiptListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One line per receipt on {@code tollgate.access}, written once the receipt is committed: every proxied request
 * that got past authentication, failed and refused ones included, and the receipts recovery writes. Everything
 * comes from the receipt, which never holds a secret; the key is named by its display prefix.
 *
 * <p>The message reads {@code <endpoint> <status> <outcome>}; the fields are the event's key-value pairs (text:
 * {@code key="value"} after the message; JSON: under {@code kvpList}). A field with no value is left out.
 */
public final class AccessLog implements ReceiptListener {
  private static final Logger LOG = LoggerFactory.getLogger(LogSetup.ACCESS);

  private final KeyPrefixes prefixes;

  public AccessLog(KeyPrefixes prefixes) {
    this.prefixes = prefixes;
  }

  @Override
  public void recorded(Receipt receipt) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    prefixes.of(receipt.keyId())
        .recover(e -> io.vertx.core.Future.succeededFuture("-"))
        .onSuccess(prefix -> write(receipt, prefix));
  }

  private static void write(Receipt r, String keyPrefix) {
    LoggingEventBuilder line = LOG.atInfo()
        .setMessage(r.endpoint() + " " + r.httpStatus() + " " + r.outcome());
    add(line, "request_id", r.id());
    add(line, "key", keyPrefix);
    add(line, "account", r.accountId());
    add(line, "project", r.projectId());
    add(line, "endpoint", r.endpoint());
    add(line, "model", r.requestedModel());
    add(line, "route", r.routeType());
    add(line, "leg", r.leg());
    add(line, "channel", r.channel());
    add(line, "upstream_model", r.upstreamModel());
    add(line, "fallback", r.fallback());
    add(line, "stream", r.stream());
    add(line, "status", r.httpStatus());
    add(line, "outcome", r.outcome());
    add(line, "error", r.errorCode());
    if (r.usage() != null) {
      add(line, "prompt_tokens", r.usage().promptTokens());
      add(line, "completion_tokens", r.usage().completionTokens());
    }
    // what the wallet paid, as x-tollgate-cost says it: 0 when nothing was charged
    add(line, "cost_micros", r.charged() && r.chargedMicros() != null ? r.chargedMicros() : 0L);
    add(line, "currency", currency(r.bucket()));
    add(line, "bucket", r.bucket());
    add(line, "charged", r.charged());
    add(line, "latency_ms", r.durationMs());
    line.log();
  }

  private static void add(LoggingEventBuilder line, String key, Object value) {
    if (value != null) {
      line.addKeyValue(key, value);
    }
  }

  private static String currency(String bucket) {
    try {
      return bucket == null ? null : Bucket.valueOf(bucket).currency();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

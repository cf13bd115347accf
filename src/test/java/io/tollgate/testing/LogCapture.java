package io.tollgate.testing;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import io.tollgate.config.LoggingConfig;
import io.tollgate.logs.LogSetup;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Everything the process logs, as the gateway's own encoder writes it, while open: Logback is configured through
 * {@link LogSetup} to write into a buffer instead of standard error. Closing restores logback-test.xml.
 */
public final class LogCapture implements AutoCloseable {
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private final LoggingConfig config;

  private LogCapture(LoggingConfig config) {
    this.config = config;
  }

  public static LogCapture start(LoggingConfig config) {
    LogCapture capture = new LogCapture(config);
    LogSetup.apply(config, capture.buffer);
    return capture;
  }

  /** Everything written so far. */
  public String text() {
    synchronized (buffer) {
      return buffer.toString(StandardCharsets.UTF_8);
    }
  }

  public List<String> lines() {
    return text().lines().toList();
  }

  /** JSON mode: the lines written by {@code logger}, parsed. */
  public List<JsonObject> json(String logger) {
    return lines().stream().filter(l -> l.startsWith("{")).map(JsonObject::new)
        .filter(o -> logger.equals(o.getString("loggerName"))).toList();
  }

  /** Text mode: the lines written by {@code logger}. */
  public List<String> text(String logger) {
    return lines().stream().filter(l -> l.contains(" " + logger + " - ")).toList();
  }

  /** A JSON line's key-value pairs as one object ({@code kvpList} holds one single-key object per pair). */
  public static JsonObject fields(JsonObject line) {
    JsonObject out = new JsonObject();
    var pairs = line.getJsonArray("kvpList");
    if (pairs != null) {
      pairs.forEach(pair -> out.mergeIn((JsonObject) pair));
    }
    return out;
  }

  public LoggingConfig config() {
    return config;
  }

  @Override
  public void close() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ContextInitializer(context).autoConfig();
  }
}

package io.tollgate.logs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.tollgate.config.LoggingConfig;
import java.io.OutputStream;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback from a {@link LoggingConfig}, in code: the root logger gets one appender on standard error
 * (command output keeps standard output) with the text or JSON encoder, at the configured level. Applying again (a
 * reload) replaces that appender, so a process never writes a line twice. Writes are synchronous: an access or
 * audit line is out before the call that logged it returns, so a crash cannot lose what a queue would have held.
 */
public final class LogSetup {
  /** Logger of one line per receipt. */
  public static final String ACCESS = "tollgate.access";
  /** Logger of one line per admin call that changes state, and per refused admin token. */
  public static final String AUDIT = "tollgate.audit";
  /**
   * The text layout: time with offset, level, logger, message, then the event's key-value pairs as
   * {@code key="value"} (nothing, not even a space, when it has none).
   */
  public static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger - %msg%replace( %kvp){'^ $', ''}%n%ex";
  private static final String APPENDER = "tollgate";

  private LogSetup() {}

  /** Logs to standard error as {@code config} says. Does nothing when SLF4J is bound to another backend. */
  public static void apply(LoggingConfig config) {
    install(config, null);
  }

  /** Logs to {@code out} as {@code config} says: for tests that read what the gateway writes. */
  public static void apply(LoggingConfig config, OutputStream out) {
    install(config, java.util.Objects.requireNonNull(out, "out"));
  }

  private static void install(LoggingConfig config, OutputStream out) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    OutputStreamAppender<ILoggingEvent> appender;
    if (out == null) {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
      console.setTarget("System.err");
      appender = console;
    } else {
      appender = new OutputStreamAppender<>();
      appender.setOutputStream(out);
    }
    appender.setName(APPENDER);
    appender.setContext(context);
    appender.setEncoder(encoder(config.format(), context));
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAndStopAllAppenders();
    root.addAppender(appender);
    root.setLevel(Level.toLevel(config.level().toUpperCase(Locale.ROOT)));
    context.getLogger(ACCESS).setLevel(config.accessLog() ? null : Level.OFF);
    // the pool's own chatter at start and stop says nothing an operator acts on
    context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
  }

  private static Encoder<ILoggingEvent> encoder(LoggingConfig.Format format, LoggerContext context) {
    if (format == LoggingConfig.Format.JSON) {
      // Logback's own encoder: one object per line, the message formatted, key-value pairs under "kvpList"
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMDC(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }
}

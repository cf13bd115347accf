package io.tollgate.logs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import io.tollgate.config.LoggingConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What 'serve' does with the logging: section: standard error, the chosen format and level, once per line. */
class LogSetupTest {
  private final PrintStream originalErr = System.err;

  @AfterEach
  void restore() throws Exception {
    System.setErr(originalErr);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ContextInitializer(context).autoConfig();
  }

  @Test
  void writesJsonLinesToStandardErrorAndAReloadReplacesTheFormatWithoutDuplicatingLines() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));

    LogSetup.apply(new LoggingConfig(LoggingConfig.Format.JSON, "info", true));
    LoggerFactory.getLogger("tollgate.test").info("first {}", 1);
    LoggerFactory.getLogger("tollgate.test").debug("not at info");
    LogSetup.apply(new LoggingConfig(LoggingConfig.Format.TEXT, "debug", true));
    LoggerFactory.getLogger("tollgate.test").debug("second");

    String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
    assertThat(lines).hasSize(2);
    JsonObject first = new JsonObject(lines[0]);
    assertThat(first.getString("formattedMessage")).isEqualTo("first 1");
    assertThat(first.getString("level")).isEqualTo("INFO");
    assertThat(first.getString("loggerName")).isEqualTo("tollgate.test");
    assertThat(lines[1]).endsWith(" DEBUG tollgate.test - second");
  }
}

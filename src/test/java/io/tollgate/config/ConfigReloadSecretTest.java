package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.LoggingConfig;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.LogCapture;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round 3 (failed before the fix). ConfigLoader reports a bad base_url with its value after ${ENV} expansion
 * ("'<value>' is not an http(s) URL"), and ConfigHolder.reload logs that message at ERROR. An operator who points
 * base_url at the wrong variable (here the one holding the upstream credential) writes the credential into the log
 * (and into the admin API's answer). DESIGN.md invariant 10: no configured credential reaches a log.
 */
class ConfigReloadSecretTest {
  @TempDir
  Path dir;

  @Test
  void aReloadRejectingABaseUrlNeverLogsTheExpandedCredential() throws Exception {
    try (LogCapture logs = LogCapture.start(new LoggingConfig(LoggingConfig.Format.TEXT, "info", true));
        GatewayFixture f = GatewayFixture.start(dir)) {
      String credential = f.env.get("UPSTREAM_KEY");
      String good = Files.readString(f.configFile);
      // the first channel's base_url now names the credential's variable: a plausible slip
      Files.writeString(f.configFile, good.replaceFirst("base_url: \\$\\{UPSTREAM\\}", "base_url: \\${UPSTREAM_KEY}"));
      HttpResponse<String> reload = f.post("/admin/config/reload", "", f.admin());
      assertThat(reload.statusCode()).as(reload.body()).isEqualTo(400);
      assertThat(logs.text()).as("the log after a rejected reload").doesNotContain(credential);
      assertThat(reload.body()).as("the admin API's answer").doesNotContain(credential);
    }
  }
}

package io.tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.Tenant;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An upstream (or a relay in front of one) that echoes the channel's credential, in an error body, an error event
 * or its answer, never passes it on: not to the client, not to the receipt.
 */
class CredentialRedactionTest {
  private static final String CREDENTIAL = "test-upstream-credential";

  @TempDir
  static Path dir;
  static GatewayFixture f;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @ParameterizedTest(name = "{0}, stream={1}")
  @CsvSource({
      "'status=400,echo_auth=true', false",
      "'status=400,echo_auth=true', true",
      "'status=503,echo_auth=true', false",
      "'error_after=1,echo_auth=true', true",
      "'error_after=1,echo_auth=true', false",
      "'echo_auth=true', false",
      "'echo_auth=true', true"})
  void anEchoedCredentialReachesNeitherTheClientNorTheReceipt(String mock, boolean stream) {
    Tenant t = Tenant.create(f, "echo");
    String body = "{\"model\":\"solo\"," + (stream ? "\"stream\":true," : "")
        + "\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    HttpResponse<String> response = f.post("/v1/chat/completions", body, "authorization", "Bearer " + t.key(), "x-mock", mock);

    assertThat(response.body()).as("what the client received").doesNotContain(CREDENTIAL);
    response.headers().map().values().forEach(v -> assertThat(v.toString()).doesNotContain(CREDENTIAL));
    String id = response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    String receipt = f.get("/v1/receipts/" + id, t.bearer()).body();
    assertThat(receipt).as("the receipt").doesNotContain(CREDENTIAL);
    assertThat(f.get("/admin/channels", f.admin()).body()).as("channel health").doesNotContain(CREDENTIAL);
    if (mock.startsWith("echo_auth")) {
      assertThat(response.body()).as("the answer still arrives, redacted").contains("[redacted]");
    }
  }
}

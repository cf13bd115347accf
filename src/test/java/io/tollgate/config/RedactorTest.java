package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {
  private final Redactor redactor = Redactor.of(Arrays.asList("relay-secret-123456", "short", null));

  @Test
  void masksConfiguredSecretsEverywhereAndLeavesShortValuesAlone() {
    assertThat(redactor.secrets("key relay-secret-123456 was short")).isEqualTo("key [redacted] was short");
    assertThat(redactor.secrets(Buffer.buffer("{\"x\":\"relay-secret-123456\"}")).toString()).isEqualTo("{\"x\":\"[redacted]\"}");
    Buffer clean = Buffer.buffer("nothing to hide");
    assertThat(redactor.secrets(clean)).isSameAs(clean);
  }

  @Test
  void masksKeyShapedTextOnlyInErrors() {
    List<String> leaks = List.of("Incorrect API key provided: sk-proj-abcdefghijklmnop1234",
        "bad key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA", "key=AIzaSyA1234567890abcdefghijklmnopqrstu",
        "Authorization: Bearer abcdef123456789", "your tollgate key tg-abcdefghijklmnopqrstuv", "\"api_key\": \"abcd1234efgh5678\"");
    for (String leak : leaks) {
      assertThat(redactor.errorText(leak)).as(leak).contains("[redacted]").doesNotContain("abcdefghijklmnop1234")
          .doesNotContain("AAAAAAAAAAAAAAAAAAAAAAAA").doesNotContain("A1234567890").doesNotContain("abcdef123456789")
          .doesNotContain("abcdefghijklmnopqrstuv").doesNotContain("abcd1234efgh5678");
    }
    assertThat(redactor.secrets("an example key: sk-proj-abcdefghijklmnop1234")).contains("sk-proj-abcdefghijklmnop1234");
    assertThat(redactor.errorText("The model is overloaded. Try again.")).isEqualTo("The model is overloaded. Try again.");
  }
}

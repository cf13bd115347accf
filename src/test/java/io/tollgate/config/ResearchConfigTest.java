package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testing.GatewayFixture;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The research section: modes as declarative plans, checked against the catalog when the file loads. */
class ResearchConfigTest {
  static GatewayConfig load(String research) throws Exception {
    String base = GatewayFixture.resource("gateway-test.yaml");
    String yaml = base.substring(0, base.indexOf("\nresearch:\n") + 1) + research;
    return new ConfigLoader(name -> "http://127.0.0.1:9/v1").parse(yaml, "test.yaml", Path.of("/etc/tollgate/tollgate.yaml"));
  }

  @Test
  void theTestConfigurationHasTheThreeStandardPlans() throws Exception {
    GatewayConfig config = load(GatewayFixture.resource("gateway-test.yaml").substring(
        GatewayFixture.resource("gateway-test.yaml").indexOf("\nresearch:\n") + 1));
    ResearchConfig research = config.research();
    assertThat(research.enabled()).isTrue();
    assertThat(research.mode("quick").sections()).hasSize(2);
    assertThat(research.mode("standard").sections()).hasSize(5);
    assertThat(research.mode("deep").sections()).extracting(ResearchSection::id)
        .hasSize(8).contains("bull", "bear", "critique");
    assertThat(research.mode("deep").sections().get(6).reads()).containsExactly("bull", "bear");
    assertThat(research.mode("deep").sections().get(4).routeType()).isEqualTo(RouteType.OFFICIAL);
    assertThat(research.data().source()).isEqualTo("sample");
  }

  @Test
  void withoutTheSectionResearchIsOff() throws Exception {
    assertThat(load("").research().enabled()).isFalse();
  }

  @Test
  void aRelativeCsvDirectoryIsReadBesideTheConfigurationFile() throws Exception {
    GatewayConfig config = load("research:\n  data: {source: csv, csv: {directory: bars}}\n  modes:\n    quick:\n"
        + "      sections: [{id: a, model: chat-a}]\n");
    assertThat(config.research().data().directory()).isEqualTo(Path.of("/etc/tollgate/bars"));
    assertThat(config.research().mode("quick").sections().get(0).maxTokens()).isEqualTo(800);
  }

  @Test
  void aPlanThatCannotRunFailsTheLoadWithTheFix() {
    assertThatThrownBy(() -> load("research:\n  modes:\n    quick:\n      sections: [{id: a, model: embed-a}]\n"))
        .hasMessageContaining("'embed-a' is not a chat model of the catalog");
    assertThatThrownBy(() -> load("research:\n  modes:\n    quick:\n      sections: [{id: a, model: chat-b, route_type: official}]\n"))
        .hasMessageContaining("'chat-b' has no official route");
    assertThatThrownBy(() -> load("research:\n  modes:\n    quick:\n      sections: [{id: a, model: chat-a, reads: [b]}, {id: b, model: chat-a}]\n"))
        .hasMessageContaining("reads 'b', which is not an earlier section");
    assertThatThrownBy(() -> load("research:\n  modes:\n    quick:\n      sections: [{id: a, model: chat-a, max_tokens: 5000}]\n"))
        .hasMessageContaining("out of range (expected: 1 to 4096)");
    assertThatThrownBy(() -> load("research:\n  data: {source: http}\n  modes:\n    quick:\n      sections: [{id: a, model: chat-a}]\n"))
        .hasMessageContaining("source http needs");
    assertThatThrownBy(() -> load("research:\n  modes: {}\n")).hasMessageContaining("at least one mode");
  }
}

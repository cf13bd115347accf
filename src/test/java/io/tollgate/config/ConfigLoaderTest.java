package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.testing.GatewayFixture;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final Map<String, String> ENV = Map.of(
      "UPSTREAM", "http://127.0.0.1:9/v1", "UPSTREAM_KEY", "k", "DEAD_UPSTREAM", "http://127.0.0.1:10/v1");
  private final ConfigLoader loader = new ConfigLoader(ENV::get);

  @Test
  void loadsTheTestConfiguration() throws Exception {
    GatewayConfig config = loader.parse(GatewayFixture.resource("gateway-test.yaml"), "test.yaml", null);

    assertThat(config.models()).containsKeys("chat-a", "chat-b", "embed-a");
    Route routed = config.route("chat-a", RouteType.ROUTED);
    assertThat(routed.legs()).extracting(Leg::upstreamModel).containsExactly("up-a-routed", "up-a-routed-backup");
    assertThat(routed.legs().get(0).bucket()).isEqualTo(Bucket.RMB);
    assertThat(routed.legs().get(0).price()).isEqualTo(new Price(3_000_000, 6_000_000, 3_000_000, 3_000_000));
    Route official = config.route("chat-a", RouteType.OFFICIAL);
    assertThat(official.legs().get(1).price().inputMicrosPerMTok()).isEqualTo(2_000_000);
    assertThat(official.legs().get(0).bucket()).isEqualTo(Bucket.CREDIT);
    assertThat(config.channel("main").credential()).isEqualTo("k");
    assertThat(config.channel("main").toString()).doesNotContain("credential").doesNotContain("=k");
    assertThat(config.timeZone().getId()).isEqualTo("Asia/Shanghai");
  }

  @Test
  void namesTheFileTheLineAndTheFixForAnUnknownChannel() {
    String yaml = minimal().replace("channel: main", "channel: mian");

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad.yaml:" + lineOf(yaml, "channel: mian") + ":")
        .hasMessageContaining("routes[0].legs[0].channel")
        .hasMessageContaining("unknown channel 'mian'")
        .hasMessageContaining("fix: did you mean 'main'?");
  }

  @Test
  void rejectsAMisspelledKeyInsteadOfIgnoringIt() {
    String yaml = minimal().replace("max_output_tokens", "max_ouput_tokens");

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .hasMessageContaining("bad.yaml:" + lineOf(yaml, "max_ouput_tokens") + ":")
        .hasMessageContaining("unknown key 'max_ouput_tokens'")
        .hasMessageContaining("did you mean 'max_output_tokens'");
  }

  @Test
  void refusesALegWithoutAPriceRatherThanServingItFree() {
    String yaml = minimal().replace("      routed: {input: 1.5, output: 2.5}\n", "");

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .hasMessageContaining("no price for this leg")
        .hasMessageContaining("never served for free");
  }

  @Test
  void refusesALegOfAnotherBucketWithoutItsOwnPriceRatherThanPricingItInTheOtherCurrency() {
    String yaml = minimal().replace("upstream_model: m-up\n", "upstream_model: m-up\n        bucket: CREDIT\n");

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bad.yaml:" + lineOf(yaml, "- channel: main") + ":")
        .hasMessageContaining("routes[0].legs[0]")
        .hasMessageContaining("leg main/m-up pays from CREDIT (USD)")
        .hasMessageContaining("the model's routed price is in CNY")
        .hasMessageContaining("fix: give the leg its own 'price: {input: ..., output: ...}' in USD");
  }

  @Test
  void acceptsALegOfAnotherBucketWithItsOwnPriceOrOfItsRouteTypesBucketWithout() {
    String priced = minimal().replace("upstream_model: m-up\n",
        "upstream_model: m-up\n        bucket: CREDIT\n        price: {input: 0.2, output: 0.4}\n");
    String sameBucket = minimal().replace("upstream_model: m-up\n", "upstream_model: m-up\n        bucket: RMB\n");

    Leg leg = loader.parse(priced, "ok.yaml", null).route("m", RouteType.ROUTED).legs().get(0);
    assertThat(leg.bucket()).isEqualTo(Bucket.CREDIT);
    assertThat(leg.price()).isEqualTo(new Price(200_000, 400_000, 200_000, 200_000));
    assertThat(loader.parse(sameBucket, "ok.yaml", null).route("m", RouteType.ROUTED).legs().get(0).price())
        .isEqualTo(new Price(1_500_000, 2_500_000, 1_500_000, 1_500_000));
  }

  @Test
  void requiresCredentialsAsEnvironmentReferences() {
    assertThatThrownBy(() -> loader.parse(minimal().replace("${UPSTREAM_KEY}", "sk-literal"), "bad.yaml", null))
        .hasMessageContaining("api_key")
        .hasMessageContaining("${ENV_VAR}");
    assertThatThrownBy(() -> loader.parse(minimal().replace("${UPSTREAM_KEY}", "${NOT_SET_ANYWHERE}"), "bad.yaml", null))
        .hasMessageContaining("environment variable NOT_SET_ANYWHERE is not set");
  }

  @Test
  void rejectsBadValuesWithTheirExpectation() {
    assertThatThrownBy(() -> loader.parse(minimal().replace("input: 1.5", "input: -1"), "bad.yaml", null))
        .hasMessageContaining("price -1 is negative");
    assertThatThrownBy(() -> loader.parse(minimal().replace("input: 1.5", "input: 0.0000001"), "bad.yaml", null))
        .hasMessageContaining("more than 6 decimal places");
    assertThatThrownBy(() -> loader.parse(minimal().replace("time_zone: UTC", "time_zone: Mars/Olympus"), "bad.yaml", null))
        .hasMessageContaining("unknown time zone");
    assertThatThrownBy(() -> loader.parse(minimal().replace("type: routed", "type: cheap"), "bad.yaml", null))
        .hasMessageContaining("unknown route type 'cheap'");
    assertThatThrownBy(() -> loader.parse("channels: [\n  - id: x\n", "bad.yaml", null))
        .hasMessageContaining("bad.yaml:")
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void aYamlErrorNamesTheLineItIsOn() {
    // line 3 is indented with a tab, which YAML forbids
    String yaml = "time_zone: UTC\nchannels:\n\t- id: x\n";
    assertThatThrownBy(() -> loader.parse(yaml, "tabs.yaml", null)).hasMessageStartingWith("tabs.yaml:3: not valid YAML");
    assertThatThrownBy(() -> loader.parse("", "empty.yaml", null)).as("an empty file has no line 0")
        .hasMessageNotContaining("empty.yaml:0").hasMessageContaining("empty");
  }

  @Test
  void anUnknownKeyListsWhatIsAllowedInTheSameOrderEveryTime() {
    String yaml = minimal().replace("time_zone: UTC", "time_zone: UTC\nserver: {prot: 1}");
    assertThatThrownBy(() -> loader.parse(yaml, "typo.yaml", null)).hasMessageContaining("did you mean 'port'")
        .satisfies(e -> {
          String allowed = e.getMessage().substring(e.getMessage().indexOf("Allowed here: ") + "Allowed here: ".length()).trim();
          java.util.List<String> keys = java.util.List.of(allowed.split(", "));
          assertThat(keys).as("sorted").isSorted();
        });
  }

  @Test
  void readsTheProviderKindOfAChannelAndRefusesAnUnknownOne() {
    String anthropic = minimal().replace("    base_url: ${UPSTREAM}", "    kind: anthropic\n    base_url: ${UPSTREAM}");

    assertThat(loader.parse(anthropic, "ok.yaml", null).channel("main").kind()).isEqualTo(ProviderKind.ANTHROPIC);
    assertThat(loader.parse(anthropic.replace("kind: anthropic", "kind: Gemini"), "ok.yaml", null).channel("main").kind())
        .isEqualTo(ProviderKind.GEMINI);
    assertThat(loader.parse(minimal(), "ok.yaml", null).channel("main").kind()).isEqualTo(ProviderKind.OPENAI);
    assertThatThrownBy(() -> loader.parse(anthropic.replace("kind: anthropic", "kind: mistral"), "bad.yaml", null))
        .hasMessageContaining("bad.yaml:" + lineOf(anthropic, "kind: anthropic") + ":")
        .hasMessageContaining("unsupported provider kind 'mistral'")
        .hasMessageContaining("'anthropic' (the Messages API)");
  }

  @Test
  void refusesAnEmbeddingsModelOnAChannelThatIsNotOpenAi() {
    String yaml = minimal().replace("    base_url: ${UPSTREAM}", "    kind: gemini\n    base_url: ${UPSTREAM}")
        .replace("max_output_tokens: 100", "type: embeddings");

    assertThatThrownBy(() -> loader.parse(yaml, "bad.yaml", null))
        .hasMessageContaining("embeddings model 'm' on channel 'main' of kind gemini")
        .hasMessageContaining("fix: route the model to an openai-kind channel");
  }

  @Test
  void keepsMultipliersAndPricesExact() {
    GatewayConfig config = loader.parse(minimal().replace("multiplier: 1.0", "multiplier: 1.1"), "ok.yaml", null);

    assertThat(config.multipliers().globalPpm()).isEqualTo(1_100_000L);
  }

  @Test
  void readsAModelsImageRuleAndDefaultsToTheGpt4oOne() {
    String yaml = minimal().replace("max_output_tokens: 100", "max_output_tokens: 100\n    image_tokens: {base: 2833, tile: 5667}");

    assertThat(loader.parse(yaml, "ok.yaml", null).models().get("m").imageTokens()).isEqualTo(new ImageTokens(2833, 5667));
    assertThat(loader.parse(minimal(), "ok.yaml", null).models().get("m").imageTokens()).isEqualTo(new ImageTokens(85, 170));
  }

  @Test
  void refusesAnIncompleteOrNegativeImageRuleWithItsLine() {
    String partial = minimal().replace("max_output_tokens: 100", "max_output_tokens: 100\n    image_tokens: {base: 2833}");
    String negative = minimal().replace("max_output_tokens: 100", "max_output_tokens: 100\n    image_tokens: {base: 85, tile: -1}");

    assertThatThrownBy(() -> loader.parse(partial, "bad.yaml", null))
        .hasMessageContaining("bad.yaml:" + lineOf(partial, "image_tokens") + ":")
        .hasMessageContaining("models[0].image_tokens")
        .hasMessageContaining("missing required key 'tile'");
    assertThatThrownBy(() -> loader.parse(negative, "bad.yaml", null))
        .hasMessageContaining("bad.yaml:" + lineOf(negative, "image_tokens") + ":")
        .hasMessageContaining("-1 is out of range (expected: 0 to 1000000)");
  }

  private static String minimal() {
    return """
        time_zone: UTC
        pricing:
          multiplier: 1.0
        channels:
          - id: main
            base_url: ${UPSTREAM}
            api_key: ${UPSTREAM_KEY}
        models:
          - id: m
            max_output_tokens: 100
            prices:
              routed: {input: 1.5, output: 2.5}
        routes:
          - model: m
            type: routed
            legs:
              - channel: main
                upstream_model: m-up
        """;
  }

  private static int lineOf(String yaml, String text) {
    String[] lines = yaml.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(text)) {
        return i + 1;
      }
    }
    throw new AssertionError(text + " not in yaml");
  }
}

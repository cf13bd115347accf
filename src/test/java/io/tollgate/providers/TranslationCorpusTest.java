package io.tollgate.providers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.config.ProviderKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the fixture corpus ({@code src/test/resources/translation/<kind>/*.json}) translates as written.
 * A case is a {@code request} (OpenAI body to the provider's), an {@code answer} (the provider's to a chat
 * completion), a {@code stream} (the provider's events to chunks, written compactly: each expected entry is a
 * chunk's {@code delta}, {@code finish_reason}, {@code usage} or {@code error}, every chunk carrying the case's
 * {@code envelope}) or an {@code error} body.
 */
class TranslationCorpusTest {
  private static final long CREATED = 1_700_000_000L;

  static Stream<Arguments> cases() throws IOException, URISyntaxException {
    Path root = Path.of(TranslationCorpusTest.class.getClassLoader().getResource("translation").toURI());
    List<Arguments> cases = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        String kind = file.getParent().getFileName().toString();
        cases.add(Arguments.of(kind + "/" + file.getFileName(), ProviderKind.valueOf(kind.toUpperCase(Locale.ROOT)),
            new JsonObject(Files.readString(file))));
      }
    }
    assertThat(cases).hasSizeGreaterThan(10);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void translatesAsTheCaseSays(String name, ProviderKind kind, JsonObject fixture) {
    UpstreamProtocol protocol = UpstreamProtocol.of(kind);
    switch (fixture.getString("kind")) {
      case "request" -> assertThat(protocol.request(fixture.getJsonObject("openai"), fixture.getLong("default_max_tokens")))
          .isEqualTo(fixture.getJsonObject("expected"));
      case "answer" -> assertThat(protocol.answer(fixture.getJsonObject("upstream"), CREATED))
          .isEqualTo(fixture.getJsonObject("expected"));
      case "error" -> assertThat(protocol.error(fixture.getJsonObject("upstream").toBuffer()).toJsonObject())
          .isEqualTo(fixture.getJsonObject("expected"));
      case "stream" -> assertThat(stream(protocol, fixture)).isEqualTo(fixture.getJsonArray("expected"));
      default -> throw new IllegalArgumentException(name + ": unknown kind " + fixture.getString("kind"));
    }
  }

  /** The chunks the events translate to, in the compact form the corpus writes. */
  private static JsonArray stream(UpstreamProtocol protocol, JsonObject fixture) {
    UpstreamProtocol.StreamTranslator translator = protocol.stream(CREATED);
    JsonObject envelope = fixture.getJsonObject("envelope");
    JsonArray compact = new JsonArray();
    for (Object event : fixture.getJsonArray("events")) {
      for (JsonObject chunk : translator.chunks((JsonObject) event)) {
        if (chunk.containsKey("error")) {
          compact.add(chunk);
          continue;
        }
        assertThat(chunk.getString("id")).isEqualTo(envelope.getString("id"));
        assertThat(chunk.getString("model")).isEqualTo(envelope.getString("model"));
        assertThat(chunk.getLong("created")).isEqualTo(envelope.getLong("created"));
        assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
        JsonArray choices = chunk.getJsonArray("choices");
        if (choices.isEmpty()) {
          compact.add(new JsonObject().put("usage", chunk.getJsonObject("usage")));
          continue;
        }
        assertThat(choices).hasSize(1);
        JsonObject choice = choices.getJsonObject(0);
        assertThat(choice.getInteger("index")).isZero();
        compact.add(choice.getValue("finish_reason") != null
            ? new JsonObject().put("finish_reason", choice.getValue("finish_reason"))
            : new JsonObject().put("delta", choice.getJsonObject("delta")));
      }
    }
    return compact;
  }
}

package io.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/config.md documents every key the loader accepts. The keys are read from the loader's own
 * {@code onlyKeys(Set.of(...))} lists, so a key added there fails this test until the page documents it; the
 * page's {@code yaml} examples, put together, must load and use every one of them, and every key path they use
 * must have its row in the page's tables (and no row may describe a path they do not use).
 */
class ConfigReferenceTest {
  private static final Path LOADER = Path.of("src/main/java/io/tollgate/config/ConfigLoader.java");
  /** Sections read by a helper of the loader, under the same rule. */
  private static final Path RESEARCH_LOADER = Path.of("src/main/java/io/tollgate/config/ResearchConfigs.java");
  private static final Path REDIS_LOADER = Path.of("src/main/java/io/tollgate/config/RedisConfig.java");
  private static final Path PAGE = Path.of("docs/config.md");
  private static final Set<String> TOP_LEVEL = Set.of("server", "time_zone", "pricing", "channels", "models", "routes", "limits",
      "alerts", "logging", "store", "research", "redis");
  /** Mappings whose keys the operator chooses: their keys are written as a placeholder in the page. */
  private static final Map<String, String> FREE_KEYS = Map.of("headers", "<name>", "prices", "<route type>",
      "route_type_multipliers", "<route type>", "modes", "<mode>");

  @Test
  void theLoaderAcceptsKeysOnlyThroughListsThisTestReads() throws Exception {
    String source = loaderSource();
    int calls = count(Pattern.compile("onlyKeys\\("), source);

    assertThat(acceptedKeys(source)).isNotEmpty();
    assertThat(count(Pattern.compile("onlyKeys\\(Set\\.of\\(([^)]*)\\)\\)"), source))
        .as("every onlyKeys(...) call of ConfigLoader lists its keys inline, where this test can read them")
        .isEqualTo(calls);
  }

  @Test
  void thePagesExamplesTogetherLoad() throws Exception {
    GatewayConfig loaded = new ConfigLoader(name -> "value-of-" + name).parse(examples(), PAGE.toString(), PAGE);

    assertThat(loaded.channels()).isNotEmpty();
    assertThat(loaded.limits()).isNotEmpty();
  }

  @Test
  void theExamplesUseEveryKeyTheLoaderAccepts() throws Exception {
    Set<String> used = new TreeSet<>();
    walk(yaml(examples()), "", used, new TreeSet<>());

    assertThat(used).containsAll(acceptedKeys(loaderSource()));
  }

  @Test
  void everyKeyPathOfTheExamplesHasItsRowAndEveryRowAKeyPath() throws Exception {
    Set<String> paths = new TreeSet<>();
    walk(yaml(examples()), "", new TreeSet<>(), paths);

    assertThat(documentedPaths()).containsExactlyInAnyOrderElementsOf(paths);
  }

  @Test
  void theStarterConfigurationLoads() throws Exception {
    GatewayConfig loaded = new ConfigLoader(name -> "value-of-" + name).parse(starter(), "starter-config.yaml", null);

    assertThat(loaded.models()).isNotEmpty();
  }

  /**
   * The starter's commented examples (a comment whose text is a key the loader accepts, or a list item, at the
   * indentation it would have) load once uncommented, and show limits, a fallback policy, a breaker and forwarded
   * headers.
   */
  @Test
  void theStartersCommentedExamplesLoadOnceUncommented() throws Exception {
    Set<String> keys = acceptedKeys(loaderSource());
    Pattern example = Pattern.compile("^(\\s*)# (\\s*)(([a-z_]+):.*|- \\{.*)$");
    StringBuilder uncommented = new StringBuilder();
    Set<String> shown = new TreeSet<>();
    for (String line : starter().split("\n", -1)) {
      Matcher m = example.matcher(line);
      if (m.matches() && (m.group(4) == null || keys.contains(m.group(4)))) {
        uncommented.append(m.group(1)).append(m.group(2)).append(m.group(3)).append('\n');
        shown.add(m.group(4) == null ? "" : m.group(4));
      } else {
        uncommented.append(line).append('\n');
      }
    }

    GatewayConfig loaded = new ConfigLoader(name -> "value-of-" + name).parse(uncommented.toString(), "starter-config.yaml", null);

    assertThat(shown).contains("limits", "fallback", "breaker", "forward_headers");
    assertThat(loaded.limits()).isNotEmpty();
    assertThat(loaded.channels().values()).anySatisfy(c -> assertThat(c.forwardHeaders()).isNotEmpty());
  }

  private static String loaderSource() throws Exception {
    return Files.readString(LOADER) + Files.readString(RESEARCH_LOADER) + Files.readString(REDIS_LOADER);
  }

  private String starter() throws Exception {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("starter-config.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Every key named in an {@code onlyKeys(Set.of(...))} call of the loader. */
  static Set<String> acceptedKeys(String source) {
    Set<String> keys = new TreeSet<>();
    Matcher call = Pattern.compile("onlyKeys\\(Set\\.of\\(([^)]*)\\)\\)").matcher(source);
    while (call.find()) {
      Matcher key = Pattern.compile("\"([a-z_]+)\"").matcher(call.group(1));
      while (key.find()) {
        keys.add(key.group(1));
      }
    }
    return keys;
  }

  /** The page's {@code yaml} blocks, in order, as one file. */
  private static String examples() throws Exception {
    StringBuilder out = new StringBuilder();
    Matcher block = Pattern.compile("(?ms)^```yaml\\n(.*?)^```").matcher(Files.readString(PAGE));
    while (block.find()) {
      out.append(block.group(1));
    }
    assertThat(out).as("yaml examples in %s", PAGE).isNotEmpty();
    return out.toString();
  }

  /** The first cells of the page's table rows that name a key path, such as {@code channels[].timeouts.idle_ms}. */
  private static Set<String> documentedPaths() throws Exception {
    Set<String> out = new TreeSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `([^`]+)` \\|").matcher(Files.readString(PAGE));
    while (row.find()) {
      String path = row.group(1);
      if (TOP_LEVEL.contains(path.split("[.\\[]", 2)[0])) {
        out.add(path);
      }
    }
    return out;
  }

  /** Collects every key name and every key path of {@code node}, lists as {@code []}, free keys as placeholders. */
  private static void walk(JsonNode node, String path, Set<String> names, Set<String> paths) {
    if (node.isArray()) {
      node.forEach(item -> walk(item, path + "[]", names, paths));
      return;
    }
    if (!node.isObject()) {
      return;
    }
    String parent = path.substring(path.lastIndexOf('.') + 1);
    node.fields().forEachRemaining(field -> {
      String placeholder = FREE_KEYS.get(parent);
      String name = placeholder == null ? field.getKey() : placeholder;
      if (placeholder == null) {
        names.add(name);
      }
      String child = path.isEmpty() ? name : path + "." + name;
      paths.add(child);
      walk(field.getValue(), child, names, paths);
    });
  }

  private static JsonNode yaml(String text) throws Exception {
    return new ObjectMapper(new YAMLFactory()).readTree(text);
  }

  private static int count(Pattern pattern, String text) {
    int n = 0;
    for (Matcher m = pattern.matcher(text); m.find(); ) {
      n++;
    }
    return n;
  }
}

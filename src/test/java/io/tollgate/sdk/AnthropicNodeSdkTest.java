package io.tollgate.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official npm {@code @anthropic-ai/sdk} (1.10.0, pinned by {@code src/test/node/package-lock.json}), unchanged
 * but for its base URL and key, works against the gateway's {@code /v1/messages}: whole and streamed messages (the
 * SDK's stream helper and its raw events), tools and token counts, on an Anthropic-kind leg ({@code claude-a}'s
 * primary), an OpenAI-compatible one ({@code chat-a}) and a Gemini one ({@code gem-a}). {@code src/test/node/script.mjs}
 * makes the calls; this test judges what it printed.
 *
 * <p>This SDK version sends its key as {@code Authorization: Bearer} (not {@code x-api-key}) and
 * {@code anthropic-version: 2026-10-21}, to {@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}.
 *
 * <p>Needs Node.js: skipped, saying so, only when {@code node} is not installed. The SDK is installed with
 * {@code npm ci} into {@code target/node-sdk} once, and again only when the lock file changes ({@code .ci/run} does it
 * ahead of the suite); a failed install fails the test.
 */
class AnthropicNodeSdkTest {
  private static final Path SOURCES = Path.of("src", "test", "node");
  private static final Path INSTALL = Path.of("target", "node-sdk");
  /** A copy of the lock file the installed node_modules came from; npm ci removes it with node_modules. */
  private static final Path STAMP = INSTALL.resolve("node_modules").resolve(".tollgate-package-lock.json");

  @TempDir
  static Path dir;

  private static GatewayFixture fixture;
  private static JsonObject results;

  private static final String NO_NODE =
      "node is not installed (not on PATH): the npm @anthropic-ai/sdk test needs Node.js 18 or later; install it to run this test";

  private static boolean node;

  @BeforeAll
  static void start() throws Exception {
    node = runs("node", "--version");
    if (!node) {
      return; // each test reports itself skipped, with the reason: a class-level abort would show as zero tests run
    }
    install();
    fixture = GatewayFixture.start(dir);
    results = script();
  }

  @BeforeEach
  void needsNode() {
    Assumptions.assumeTrue(node, NO_NODE);
  }

  @AfterAll
  static void stop() throws Exception {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void createsMessagesOnAnAnthropicAndAnOpenAiLeg() {
    JsonObject messages = results.getJsonObject("messages");

    JsonObject anthropic = messages.getJsonObject("anthropic_leg");
    assertThat(anthropic.getString("model")).isEqualTo("claude-a");
    assertThat(anthropic.getString("role")).isEqualTo("assistant");
    assertThat(anthropic.getString("id")).startsWith("msg_");
    assertThat(anthropic.getInteger("words")).isEqualTo(6);
    assertThat(anthropic.getString("stop_reason")).isEqualTo("max_tokens");
    assertThat(anthropic.getLong("input_tokens")).isPositive();
    assertThat(anthropic.getLong("output_tokens")).isEqualTo(6);
    JsonObject openai = messages.getJsonObject("openai_leg");
    assertThat(openai.getString("model")).isEqualTo("chat-a");
    assertThat(openai.getInteger("words")).isEqualTo(6);
    assertThat(openai.getLong("output_tokens")).isEqualTo(6);
  }

  @Test
  void streamsMessagesThroughTheSdksHelperAndAsRawEvents() {
    JsonObject streaming = results.getJsonObject("streaming");

    for (String model : List.of("claude-a", "chat-a", "gem-a")) {
      JsonObject helper = streaming.getJsonObject(model).getJsonObject("helper");
      JsonObject message = helper.getJsonObject("message");
      assertThat(message.getInteger("words")).as(model).isEqualTo(6);
      assertThat(message.getString("stop_reason")).as(model).isEqualTo("max_tokens");
      assertThat(message.getLong("output_tokens")).as(model).isEqualTo(6);
      for (JsonArray events : List.of(helper.getJsonArray("events"), streaming.getJsonObject(model).getJsonObject("raw").getJsonArray("events"))) {
        assertThat(events.getString(0)).as(model).isEqualTo("message_start");
        assertThat(events.getString(events.size() - 1)).as(model).isEqualTo("message_stop");
        assertThat(events.getList()).as(model).contains("content_block_start", "content_block_delta", "content_block_stop", "message_delta");
      }
      assertThat(streaming.getJsonObject(model).getJsonObject("raw").getInteger("words")).as(model).isEqualTo(6);
    }
  }

  @Test
  void callsToolsWholeAndStreamed() {
    JsonObject tools = results.getJsonObject("tools");

    for (String model : List.of("claude-a", "chat-a")) {
      for (String how : List.of("whole", "streamed")) {
        JsonObject message = tools.getJsonObject(model).getJsonObject(how);
        JsonObject call = message.getJsonObject("tool");
        assertThat(call).as(model + " " + how).isNotNull();
        assertThat(call.getString("name")).as(model + " " + how).isEqualTo("lookup");
        assertThat(call.getString("id")).as(model + " " + how).isNotBlank();
        assertThat(call.getValue("input")).as(model + " " + how + ": the arguments parsed into an object").isInstanceOf(JsonObject.class);
        assertThat(message.getString("stop_reason")).as(model + " " + how).isEqualTo("tool_use");
      }
    }
  }

  @Test
  void countsTokensWithoutAnUpstreamCall() throws Exception {
    assertThat(results.getJsonObject("count_tokens").getLong("input_tokens")).isPositive();

    long before = fixture.upstream.requestCount();
    JsonObject again = script("count_tokens");

    assertThat(again.getJsonObject("count_tokens").getLong("input_tokens")).isPositive();
    assertThat(fixture.upstream.requestCount()).isEqualTo(before);
  }

  @Test
  void surfacesTheGatewaysRefusalsAsTheSdksTypedErrors() {
    JsonObject errors = results.getJsonObject("errors");

    assertThat(errors.getJsonObject("bad_key").getString("error")).isEqualTo("AuthenticationError");
    assertThat(errors.getJsonObject("bad_key").getInteger("status")).isEqualTo(401);
    assertThat(errors.getJsonObject("bad_key").getString("type")).isEqualTo("authentication_error");
    assertThat(errors.getJsonObject("too_many_tokens").getString("error")).isEqualTo("BadRequestError");
    assertThat(errors.getJsonObject("too_many_tokens").getInteger("status")).isEqualTo(400);
    assertThat(errors.getJsonObject("too_many_tokens").getString("type")).isEqualTo("invalid_request_error");
  }

  /** Runs the script against the fixture (every check, or those named) and returns what it printed. */
  private static JsonObject script(String... checks) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "script.mjs", fixture.url(""), fixture.key));
    command.addAll(List.of(checks));
    Result run = run(INSTALL, 120, command);
    assertThat(run.exit()).as("node script.mjs exited with %d%nstdout: %s%nstderr: %s", run.exit(), run.stdout(), run.stderr())
        .isZero();
    String[] lines = run.stdout().strip().split("\n");
    return new JsonObject(lines[lines.length - 1]);
  }

  /**
   * Copies the script and the package files to {@code target/node-sdk} and runs {@code npm ci} there, unless
   * node_modules was installed from this very lock file.
   */
  private static void install() throws Exception {
    Files.createDirectories(INSTALL);
    for (String file : List.of("package.json", "package-lock.json", "script.mjs")) {
      Files.copy(SOURCES.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    byte[] lock = Files.readAllBytes(SOURCES.resolve("package-lock.json"));
    if (Files.exists(STAMP) && java.util.Arrays.equals(Files.readAllBytes(STAMP), lock)) {
      return;
    }
    Result npm;
    try {
      npm = run(INSTALL, 300, List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
    } catch (IOException e) {
      throw new AssertionError("node is installed but npm could not be run (" + e.getMessage() + "): install npm, or run"
          + " 'npm ci' in " + INSTALL.toAbsolutePath(), e);
    }
    assertThat(npm.exit()).as("npm ci in %s failed (is the npm registry reachable?)%n%s%n%s", INSTALL.toAbsolutePath(),
        npm.stdout(), npm.stderr()).isZero();
    Files.write(STAMP, lock);
  }

  private record Result(int exit, String stdout, String stderr) {}

  /**
   * Runs {@code command} in {@code workDir}, without the environment variables the SDK would read instead of its
   * arguments ({@code ANTHROPIC_*}), so only the base URL and key given reach it.
   */
  private static Result run(Path workDir, int timeoutSeconds, List<String> command) throws Exception {
    Path out = Files.createTempFile(dir == null ? null : dir, "out", ".txt");
    Path err = Files.createTempFile(dir == null ? null : dir, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("ANTHROPIC_"));
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Whether {@code command} can be started and exits with 0. */
  private static boolean runs(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}

package io.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first hour, as a newcomer types it in one directory, each command its own process with that directory
 * as its working directory and every default left alone: the demo, then {@code init} and a real gateway beside it.
 * The two never share a database, a key or an admin token.
 */
class NewcomerTest {
  /** The gateway's base URL in a banner (the demo's also names its simulated upstream's, which takes any key). */
  private static final Pattern BASE_URL = Pattern.compile("(?<=Base URL:     |serving \\d model on )http://127\\.0\\.0\\.1:\\d+/v1");
  private static final Pattern KEY = Pattern.compile("tg-[A-Za-z0-9]{40}");
  private static final Pattern ADMIN_TOKEN = Pattern.compile("tga-[A-Za-z0-9]{40}");
  private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path home;

  private final List<Process> started = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A process of {@code tollgate args...} in the newcomer's directory, its output and error merged. */
  private final class Tollgate {
    final Process process;
    final StringBuffer output = new StringBuffer();

    Tollgate(Map<String, String> env, String... args) throws IOException {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
      command.addAll(List.of(args));
      ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true);
      builder.environment().putAll(env);
      process = builder.start();
      started.add(process);
      Thread reader = new Thread(() -> copy(process.getInputStream()), "newcomer-output");
      reader.setDaemon(true);
      reader.start();
    }

    private void copy(InputStream in) {
      byte[] buffer = new byte[4096];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        // the process ended
      }
    }

    /** Waits until the output holds {@code text} (a gateway's banner), failing if the process ends first. */
    Tollgate awaiting(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!output.toString().contains(text)) {
        assertThat(process.isAlive()).as("ended before printing '%s':%n%s", text, output).isTrue();
        assertThat(System.nanoTime()).as("no '%s' yet:%n%s", text, output).isLessThan(deadline);
        Thread.sleep(50);
      }
      return this;
    }

    /** Waits for the process to end and returns its exit code. */
    int exit() throws InterruptedException {
      assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(output.toString()).isTrue();
      Thread.sleep(100); // the last output
      return process.exitValue();
    }

    String find(Pattern pattern) {
      Matcher m = pattern.matcher(output);
      assertThat(m.find()).as("no %s in:%n%s", pattern, output).isTrue();
      return m.group();
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private Tollgate tollgate(String... args) throws IOException {
    return new Tollgate(Map.of(), args);
  }

  @AfterEach
  void stopEverything() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly().waitFor();
    }
  }

  private int status(String url, String token, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + token).header("content-type", "application/json");
    request = body == null ? request.GET() : request.POST(HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private int chat(String baseUrl, String key) throws Exception {
    return status(baseUrl + "/chat/completions", key, CHAT);
  }

  private int admin(String baseUrl, String token) throws Exception {
    return status(baseUrl.replace("/v1", "/admin/accounts"), token, null);
  }

  @Test
  void theDemoAndARealSetupInOneDirectoryNeverShareDataKeysOrTokens() throws Exception {
    Path real = home.toRealPath();
    Tollgate demo = tollgate("serve", "--demo", "--port", "0").awaiting("Balances:");
    String demoUrl = demo.find(BASE_URL);
    String demoKey = demo.find(KEY);
    String demoToken = demo.find(ADMIN_TOKEN);
    assertThat(demo.output.toString()).contains(real.resolve("data/demo/tollgate.db").toString());
    assertThat(chat(demoUrl, demoKey)).isEqualTo(200);

    Tollgate init = tollgate("init");
    assertThat(init.exit()).as(init.output.toString()).isZero();
    String realToken = init.find(ADMIN_TOKEN);
    assertThat(init.output.toString()).contains("tollgate.yaml");
    Tollgate account = tollgate("accounts", "create", "Acme");
    assertThat(account.exit()).as(account.output.toString()).isZero();
    Tollgate project = tollgate("projects", "create", "--account", account.find(Pattern.compile("acct_\\S+")), "bot");
    assertThat(project.exit()).as(project.output.toString()).isZero();
    Tollgate key = tollgate("keys", "create", "--project", project.find(Pattern.compile("proj_\\S+")));
    assertThat(key.exit()).as(key.output.toString()).isZero();
    String realKey = key.find(KEY);

    Tollgate gateway = new Tollgate(Map.of("OPENAI_API_KEY", "sk-newcomer", "RELAY_API_KEY", "sk-relay"),
        "serve", "--config", "tollgate.yaml", "--port", "0").awaiting("Tollgate is serving");
    String realUrl = gateway.find(BASE_URL);
    assertThat(gateway.output.toString()).contains("serving 1 model on").contains(real.resolve("data/tollgate.db").toString());

    assertThat(chat(realUrl, demoKey)).as("the demo's funded key on the real gateway").isEqualTo(401);
    assertThat(admin(realUrl, demoToken)).as("the demo's admin token on the real gateway").isEqualTo(401);
    assertThat(admin(realUrl, realToken)).isEqualTo(200);
    assertThat(chat(demoUrl, realKey)).as("a real key on the demo").isEqualTo(401);
    assertThat(admin(demoUrl, realToken)).as("the real admin token on the demo").isEqualTo(401);

    Tollgate second = tollgate("serve", "--demo", "--port", "0");
    assertThat(second.exit()).as("a second demo on the same directory").isEqualTo(1);
    assertThat(second.output.toString()).contains(real.resolve("data/demo/tollgate.db").toString());
    demo.stop();
    Tollgate again = tollgate("serve", "--demo", "--port", "0").awaiting("Balances:");
    String againToken = again.find(ADMIN_TOKEN);
    assertThat(againToken).isNotEqualTo(demoToken);
    assertThat(admin(realUrl, realToken)).as("a new demo leaves the real admin token alone").isEqualTo(200);
    assertThat(admin(realUrl, againToken)).isEqualTo(401);
    assertThat(chat(again.find(BASE_URL), again.find(KEY))).isEqualTo(200);
  }
}

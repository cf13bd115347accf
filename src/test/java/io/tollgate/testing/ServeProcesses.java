package io.tollgate.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code tollgate serve} child process, as tests that kill or run several real gateways start one. */
public final class ServeProcesses {
  private static final Pattern SERVING = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/v1");

  private ServeProcesses() {}

  /**
   * Starts {@code tollgate serve} in a JVM of its own on a free port ({@link #port} says which), with {@code config},
   * {@code data} and {@code env} added to this process's environment; its output and errors in one stream.
   */
  public static Process start(java.nio.file.Path config, java.nio.file.Path data, java.util.Map<String, String> env,
      String... jvmOptions) throws IOException {
    java.util.List<String> command = new java.util.ArrayList<>();
    command.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(java.util.List.of(jvmOptions));
    command.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), "io.tollgate.cli.Main", "serve",
        "--config", config.toString(), "--data", data.toString(), "--port", "0"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    return builder.start();
  }

  /**
   * Reads the child's output until it says where it serves and returns that port; the rest of its output is drained
   * in the background, its lines with ERROR printed when {@code showErrors}.
   */
  public static int port(Process child, long timeoutSeconds, boolean showErrors) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
      try {
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
          Matcher m = SERVING.matcher(line);
          if (line.startsWith("Tollgate is serving") && m.find()) {
            String name = m.group(1);
            Thread drain = new Thread(() -> drain(out, name, showErrors));
            drain.setDaemon(true);
            drain.start();
            return Integer.parseInt(name);
          }
          seen.append(line).append('\n');
        }
        throw new IllegalStateException("the gateway process stopped before serving:\n" + seen);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    return port.get(timeoutSeconds, TimeUnit.SECONDS);
  }

  private static void drain(BufferedReader out, String port, boolean showErrors) {
    try {
      for (String line; (line = out.readLine()) != null; ) {
        if (showErrors && line.contains("ERROR")) {
          System.out.println("[gateway " + port + "] " + line);
        }
      }
    } catch (IOException e) {
      // it stopped, or was killed
    }
  }
}

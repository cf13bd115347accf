package io.tollgate.cli;

import io.tollgate.mock.Counting;
import io.tollgate.mock.MockUpstream;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate mock-upstream}: the scriptable OpenAI-compatible upstream, for tests, demos and benchmarks. Its help
 * lists every {@code x-mock} setting from {@link MockUpstream#SETTINGS}, the list the mock itself accepts.
 */
@Command(name = "mock-upstream", mixinStandardHelpOptions = true,
    description = {"Run a simulated OpenAI-compatible upstream, scripted by each request's x-mock header.",
        "For example 'x-mock: status=503' or 'x-mock: latency_ms=200,tps=50'; every setting is below."})
final class MockUpstreamCommand implements Callable<Integer> {
  private static final int WIDTH = 80;
  private static final int KEY_COLUMN = 25;

  /** Adds the {@code x-mock} settings to {@code command}'s help, as its footer, wrapped to the help's width. */
  static void listSettings(CommandLine command) {
    List<String> lines = new ArrayList<>();
    lines.add("");
    lines.addAll(wrap("x-mock settings are key=value, separated by commas; groups separated by | script several"
        + " upstream models at once ('x-mock: status=503,when_model=a | tps=2'):", "", ""));
    MockUpstream.SETTINGS.forEach((key, setting) -> lines.addAll(wrap(setting.effect(),
        String.format("  %-" + (KEY_COLUMN - 3) + "s ", key + "=" + setting.value()), " ".repeat(KEY_COLUMN))));
    // picocli reads help text as format strings
    command.getCommandSpec().usageMessage().footer(lines.stream().map(line -> line.replace("%", "%%")).toArray(String[]::new));
  }

  /** {@code text} in lines of at most {@link #WIDTH}, the first after {@code first}, the others after {@code rest}. */
  private static List<String> wrap(String text, String first, String rest) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder(first);
    for (String word : text.split(" ")) {
      if (line.length() > first.length() && line.length() + 1 + word.length() > WIDTH && !line.toString().isBlank()) {
        lines.add(line.toString());
        line = new StringBuilder(rest);
      }
      if (line.length() > 0 && !line.toString().endsWith(" ")) {
        line.append(' ');
      }
      line.append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  @Option(names = "--port", paramLabel = "N", defaultValue = "9090", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--count", paramLabel = "HOW", defaultValue = "words",
      description = "How usage counts tokens: words (one word, one token: what tests predict) or tokenizer (o200k_base,"
          + " as a real upstream reports). Default: ${DEFAULT-VALUE}.")
  String count;

  @Override
  public Integer call() throws Exception {
    Counting counting = switch (count) {
      case "words" -> Counting.WORDS;
      case "tokenizer" -> Counting.TOKENIZER;
      default -> throw new CommandLine.ParameterException(new CommandLine(this), "--count: " + count + " (expected: words or tokenizer)");
    };
    Vertx vertx = Vertx.vertx();
    MockUpstream mock = MockUpstream.start(vertx, port, counting).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("Mock upstream serving on " + mock.baseUrl());
    new java.util.concurrent.CountDownLatch(1).await();
    return 0;
  }
}

package io.tollgate.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate research SYMBOL --mode quick}: quotes a research run on a running gateway, prints the warning,
 * asks for confirmation ({@code --yes} skips it), shows each section's progress, writes the report file and prints
 * the receipt summary. The key comes from {@code TOLLGATE_API_KEY} (an option would show it in the process list).
 */
@Command(name = "research", mixinStandardHelpOptions = true,
    description = {"Run the AI Researcher on a symbol through a running gateway: quoted and confirmed before it",
        "starts, receipted after. Set TOLLGATE_API_KEY to your API key. Research support, not financial advice."})
final class ResearchCommand implements Callable<Integer> {
  @Parameters(paramLabel = "SYMBOL", description = "The symbol, such as ACME (the demo's sample data).")
  String symbol;

  @Option(names = "--mode", defaultValue = "quick", description = "quick, standard, deep or a configured mode (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--yes", description = "Start without asking.")
  boolean yes;

  @Option(names = "--out", description = "The report file (default: SYMBOL-MODE-RUN.md in the current directory).")
  Path out;

  @Option(names = "--url", description = "The gateway's base URL (default: $TOLLGATE_URL or http://127.0.0.1:8080).")
  String url;

  /** For tests and scripts that cannot set the environment; prefer TOLLGATE_API_KEY. */
  @Option(names = "--api-key", hidden = true)
  String key;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Override
  public Integer call() throws Exception {
    String base = url != null ? url : System.getenv().getOrDefault("TOLLGATE_URL", "http://127.0.0.1:8080");
    String apiKey = key != null ? key : System.getenv("TOLLGATE_API_KEY");
    if (apiKey == null || apiKey.isBlank()) {
      System.err.println("tollgate research: set TOLLGATE_API_KEY to your API key");
      return 2;
    }
    HttpResponse<String> quoted = send(base, apiKey, "POST", "/v1/research/quote",
        new JsonObject().put("symbol", symbol).put("mode", mode).encode());
    if (quoted.statusCode() != 200) {
      return failed("quote", quoted);
    }
    JsonObject quote = new JsonObject(quoted.body());
    printQuote(quote);
    if (!yes && !confirmed()) {
      System.out.println("Not started.");
      return 1;
    }
    HttpResponse<String> started = send(base, apiKey, "POST", "/v1/research/runs",
        new JsonObject().put("quote_id", quote.getString("id")).encode());
    if (started.statusCode() != 201) {
      return failed("run", started);
    }
    String runId = new JsonObject(started.body()).getString("id");
    progress(base, apiKey, runId);
    HttpResponse<String> report = send(base, apiKey, "GET", "/v1/research/runs/" + runId + "/report", null);
    Path file = out != null ? out : Path.of(quote.getString("symbol") + "-" + quote.getString("mode") + "-" + runId + ".md");
    Files.writeString(file, report.body(), StandardCharsets.UTF_8);
    JsonObject run = new JsonObject(send(base, apiKey, "GET", "/v1/research/runs/" + runId, null).body());
    printReceipt(run, quote, file);
    return run.getString("status").equals("completed") ? 0 : 3;
  }

  private static void printQuote(JsonObject q) {
    JsonObject data = q.getJsonObject("data");
    System.out.println("Research " + q.getString("symbol") + " in " + q.getString("mode") + " mode: "
        + q.getJsonArray("sections").size() + " sections; data " + data.getString("from") + " to " + data.getString("to")
        + (data.getBoolean("sample") ? " (SAMPLE DATA, not real prices)" : ""));
    for (Object o : q.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      JsonObject route = s.getJsonObject("route");
      JsonArray backups = s.getJsonArray("backup_routes");
      System.out.println("  " + s.getString("id") + ": " + s.getString("model") + " (" + s.getString("route_type")
          + ") via " + route.getString("channel") + " as " + route.getString("upstream_model") + ", " + route.getString("bucket")
          + "; up to " + s.getJsonObject("tokens").getLong("max_output") + " output tokens"
          + (backups.isEmpty() ? "" : "; backup " + backups.getJsonObject(0).getString("upstream_model") + " via "
              + backups.getJsonObject(0).getString("channel")));
    }
    JsonObject time = q.getJsonObject("time");
    System.out.println("Time: about " + time.getLong("expected_ms") / 1000 + " s, at worst " + time.getLong("worst_ms") / 1000 + " s");
    q.getJsonObject("cost").forEach(e -> {
      JsonObject c = (JsonObject) e.getValue();
      System.out.println("Cost in " + e.getKey() + ": expected " + money(c.getLong("expected_micros"), c.getString("currency"))
          + ", at most " + money(c.getLong("max_micros"), c.getString("currency")) + " (every fallback included)");
    });
    for (Object o : q.getJsonArray("warnings")) {
      System.out.println("Warning: " + ((JsonObject) o).getString("message"));
    }
  }

  private static boolean confirmed() throws IOException {
    System.out.print("Start this run? [y/N] ");
    System.out.flush();
    String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
  }

  /** Follows the run's events to its end, one line per section as it ends. */
  private void progress(String base, String apiKey, String runId) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/v1/research/runs/" + runId + "/events"))
        .header("authorization", "Bearer " + apiKey).GET().build();
    try (Stream<String> lines = http.send(request, HttpResponse.BodyHandlers.ofLines()).body()) {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (!line.startsWith("data: ")) {
          continue;
        }
        JsonObject e = new JsonObject(line.substring(6));
        String type = e.getString("type");
        if (type.equals("run.ended")) {
          System.out.println("Run " + runId + " " + e.getString("status") + ".");
          return;
        }
        int done = e.getInteger("index") + (type.equals("section.started") ? 0 : 1);
        int of = e.getInteger("of");
        String bar = "[" + "#".repeat(done) + ".".repeat(of - done) + "] " + done + "/" + of + " ";
        System.out.println(bar + e.getString("section") + " " + type.substring("section.".length())
            + (e.getString("error") == null ? "" : ": " + e.getString("error")));
      }
    }
  }

  private static void printReceipt(JsonObject run, JsonObject quote, Path file) {
    System.out.println("Report: " + file);
    System.out.println("Receipt (run " + run.getString("id") + ", " + run.getString("status") + "):");
    for (Object o : run.getJsonArray("sections")) {
      JsonObject s = (JsonObject) o;
      System.out.println("  " + s.getString("id") + "\t" + s.getString("status") + "\t" + s.getString("requested_model")
          + " -> " + s.getString("upstream_model", "-") + "\t" + s.getString("leg", "-") + (s.getBoolean("fallback") ? " (fallback)" : "")
          + "\t" + s.getString("bucket", "-") + "\t" + s.getLong("charged_micros") + " micros\treceipt " + s.getString("receipt", "-"));
    }
    quote.getJsonObject("cost").forEach(e -> {
      JsonObject c = (JsonObject) e.getValue();
      long charged = run.getJsonObject("charged").getLong(e.getKey(), 0L);
      System.out.println("Total " + e.getKey() + ": charged " + money(charged, c.getString("currency")) + " of at most "
          + money(c.getLong("max_micros"), c.getString("currency")) + " (expected " + money(c.getLong("expected_micros"),
          c.getString("currency")) + ")");
    });
    System.out.println("Research support, not financial advice.");
  }

  private static String money(long micros, String currency) {
    return java.math.BigDecimal.valueOf(micros, 6).toPlainString() + " " + currency;
  }

  private int failed(String what, HttpResponse<String> response) {
    String message = response.body();
    try {
      message = new JsonObject(response.body()).getJsonObject("error").getString("message");
    } catch (RuntimeException notJson) {
      // the body as it came
    }
    System.err.println("tollgate research: " + what + " refused (" + response.statusCode() + "): " + message);
    return 1;
  }

  private HttpResponse<String> send(String base, String apiKey, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(10))
        .header("authorization", "Bearer " + apiKey)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }
}

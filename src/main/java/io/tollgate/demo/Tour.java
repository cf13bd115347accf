package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.demo.TourHttp.Answer;
import io.tollgate.demo.TourHttp.Call;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code tollgate demo tour}: five steps against a demo gateway, each printing the {@code curl} command it ran and
 * what came back. (1) a request on gpt-4o-mini's cheap routed route; (2) the same request with its primary scripted
 * to fail, so the costlier backup serves; (3) the two receipts side by side; (4) the official route pushed into
 * its tight daily cap until it refuses; (5) today's spend per route against its limits. Each step checks that it
 * showed what it meant to; {@link #run} returns what did not.
 */
public final class Tour {
  static final String MODEL = Demo.MODEL;
  /** The answer the simulated upstream writes in steps 1 and 2, so that step 3 compares the same tokens. */
  static final int ANSWER_TOKENS = 50;
  /** What each request of step 4 asks for and gets: about 0.0096 USD of gpt-4o-mini at its official price. */
  static final int CAP_STEP_TOKENS = 16_000;
  /** Step 4 stops here if nothing refuses (a cap raised in the YAML). */
  static final int CAP_STEP_MAX_REQUESTS = 10;
  static final String INDENT = "    ";

  private final TourHttp http;
  private final PrintStream out;
  private final List<String> problems = new ArrayList<>();

  private Tour(TourHttp http, PrintStream out) {
    this.http = http;
    this.out = out;
  }

  /**
   * Runs the tour against the demo gateway at {@code baseUrl} (with or without {@code /v1}) with the demo's key,
   * printing to {@code out}.
   *
   * @return what did not go as the tour expected; empty when every step showed what it meant to
   * @throws IllegalStateException when the gateway cannot be reached or refuses the key
   */
  public static List<String> run(String baseUrl, String key, PrintStream out) {
    Tour tour = new Tour(new TourHttp(baseUrl, key), out);
    tour.all();
    return List.copyOf(tour.problems);
  }

  private void all() {
    out.println("Tollgate demo tour, against " + http.root() + ". Each step prints the curl command it ran; run it");
    out.println("again to see the same thing (the key is the demo's).");
    Optional<Answer> primary = routedRequest();
    Optional<Answer> backup = fallback();
    new TourReceipts(this).sideBySide(primary, backup);
    new TourCap(this).pushOfficialRoute();
    new TourSpend(this).perRoute();
    out.println();
    out.println("That was the tour. Every request above left a receipt (GET /v1/receipts lists them), the refused one");
    out.println("included; only the answered ones were charged.");
  }

  private Optional<Answer> routedRequest() {
    step(1, "a request on the cheap route",
        MODEL + " has two routes: routed (relay channels, paid from the RMB wallet in CNY) and official (paid",
        "from Credit in USD). x-tollgate-route asks for the routed one; x-mock: tokens=" + ANSWER_TOKENS + " asks the"
            + " simulated",
        "upstream for a " + ANSWER_TOKENS + "-token answer, so that step 3 compares the same tokens.");
    Answer answer = chat("tokens=" + ANSWER_TOKENS);
    if (answer.status() == 401) {
      throw new IllegalStateException("the gateway refused the key (401 " + answer.errorCode() + "): pass the API key"
          + " that `tollgate serve --demo` printed with --key (each start of the demo issues a new one)");
    }
    if (!served(1, answer)) {
      return Optional.empty();
    }
    if (!"primary".equals(answer.header("x-tollgate-leg").orElse(""))) {
      problem("step 1: the primary leg did not serve (leg " + answer.header("x-tollgate-leg").orElse("none") + ")");
    }
    return Optional.of(answer);
  }

  private Optional<Answer> fallback() {
    step(2, "the primary fails, the backup serves",
        "The x-mock header scripts the demo's simulated upstream (the demo's channels forward it; a real upstream",
        "never sees it): status=503,when_model=" + MODEL + " makes the primary leg's upstream model answer 503, and",
        "tokens=" + ANSWER_TOKENS + " gives every other model an answer as long as in step 1. The route's fallback"
            + " policy moves on",
        "after a 5xx to its backup: relay-west running gpt-4.1-mini, a costlier upstream model at its own price.");
    Answer answer = chat("status=503,when_model=" + MODEL + " | tokens=" + ANSWER_TOKENS);
    if (!served(2, answer)) {
      return Optional.empty();
    }
    if (!"true".equals(answer.header("x-tollgate-fallback").orElse(""))) {
      problem("step 2: no fallback happened (x-tollgate-fallback: " + answer.header("x-tollgate-fallback").orElse("none")
          + ")");
      return Optional.empty();
    }
    out.println(INDENT + "The answer's model is still " + answer.json().path("model").asText() + ", as SDKs expect; the"
        + " headers say what ran.");
    return Optional.of(answer);
  }

  /** A chat request on the routed route, with {@code mock} as its x-mock header. */
  private Answer chat(String mock) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-tollgate-route", "routed");
    headers.put("x-mock", mock);
    String body = "{\"model\":\"" + MODEL + "\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Say hello to the tour.\"}]}";
    return call(Call.post("/v1/chat/completions", headers, body), true);
  }

  /** Prints what a chat answer's headers say; true when it was answered. */
  private boolean served(int step, Answer answer) {
    if (answer.status() != 200) {
      out.println(INDENT + "-> " + answer.status() + " " + answer.errorCode() + ": "
          + answer.json().path("error").path("message").asText());
      problem("step " + step + ": the chat request was answered " + answer.status() + " " + answer.errorCode() + " (expected: 200)");
      return false;
    }
    out.println(INDENT + "-> 200: route " + answer.header("x-tollgate-route").orElse("?") + ", leg "
        + answer.header("x-tollgate-leg").orElse("?") + ", upstream model " + answer.header("x-tollgate-upstream-model").orElse("?")
        + ", fallback " + answer.header("x-tollgate-fallback").orElse("?") + ", bucket " + answer.header("x-tollgate-bucket").orElse("?")
        + ", cost " + TourText.money(Long.parseLong(answer.header("x-tollgate-cost").orElse("0")),
            answer.header("x-tollgate-bucket").orElse("")));
    out.println(INDENT + "   receipt " + answer.header("x-tollgate-request-id").orElse("?"));
    return true;
  }

  // shared with the other steps' classes

  void step(int number, String title, String... explanation) {
    out.println();
    out.println("Step " + number + " of 5: " + title);
    for (String line : explanation) {
      out.println(INDENT + line);
    }
  }

  /** Sends {@code call} after printing its curl command. */
  Answer call(Call call, boolean showHeaders) {
    out.println(INDENT + "$ " + http.curl(call, showHeaders));
    return http.send(call);
  }

  /** Sends {@code call} again, its curl command already printed. */
  Answer send(Call call) {
    return http.send(call);
  }

  /** A GET that must answer 200; its JSON, or a problem and empty. */
  Optional<JsonNode> read(String path) {
    Answer answer = call(Call.get(path), false);
    if (answer.status() != 200) {
      problem("GET " + path + " answered " + answer.status() + " " + answer.errorCode());
      return Optional.empty();
    }
    return Optional.of(answer.json());
  }

  PrintStream out() {
    return out;
  }

  void problem(String text) {
    problems.add(text);
  }
}

package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.demo.TourHttp.Answer;
import io.tollgate.demo.TourHttp.Call;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Step 4 of the tour: requests on the official route, each as dear as a 16,000-token answer, until the route's
 * daily spend cap refuses one; then the refusal, and the cap as {@code GET /v1/limits} shows it.
 */
final class TourCap {
  private static final String LABEL = "route_daily_spend";

  private final Tour tour;
  private final PrintStream out;

  TourCap(Tour tour) {
    this.tour = tour;
    this.out = tour.out();
  }

  void pushOfficialRoute() {
    tour.step(4, "the official route meets its daily cap",
        "The official route of " + Tour.MODEL + " is paid from Credit and has a tight daily spend cap. Each request"
            + " below asks for",
        "up to " + Tour.CAP_STEP_TOKENS + " tokens (max_tokens), and x-mock: tokens=" + Tour.CAP_STEP_TOKENS
            + " has the simulated upstream write them all.",
        "Before each upstream call the gateway holds the request's worst case on every limit that applies; when the",
        "cap has no room left for it, the request is refused with 429 before any upstream call, and nothing is charged.");
    Optional<JsonNode> cap = tour.read("/v1/limits").flatMap(TourCap::officialCap);
    if (cap.isEmpty()) {
      tour.problem("step 4: no daily spend limit on the official route of " + Tour.MODEL + " in GET /v1/limits: the"
          + " demo's tollgate-demo.yaml may predate the demo's limits (remove it from beside the demo's database and"
          + " start the demo again to get the current one)");
      out.println(Tour.INDENT + "(skipped: the official route of " + Tour.MODEL + " has no daily spend cap here)");
      return;
    }
    out.println(Tour.INDENT + "The cap: " + TourText.describe(cap.get()) + ", " + now(cap.get()));
    Optional<Answer> refused = pushUntilRefused();
    if (refused.isEmpty()) {
      return;
    }
    Answer answer = refused.get();
    out.println(Tour.INDENT + "The refusal says why, with the cap, what is spent and held, and when the window resets:");
    out.println(Tour.INDENT + "   " + answer.json().path("error").path("message").asText());
    out.println(Tour.INDENT + "   (headers: x-tollgate-limit-scope " + answer.header("x-tollgate-limit-scope").orElse("-")
        + ", x-tollgate-limit-requested " + answer.header("x-tollgate-limit-requested").orElse("-")
        + ", Retry-After " + answer.header("retry-after").orElse("-") + " seconds)");
    tour.read("/v1/limits").flatMap(TourCap::officialCap).ifPresent(after ->
        out.println(Tour.INDENT + "GET /v1/limits now shows it: " + now(after)));
    if (!answer.errorCode().equals(LABEL + "_limit_reached")) {
      tour.problem("step 4: refused with " + answer.errorCode() + " (expected: " + LABEL + "_limit_reached)");
    }
  }

  /** Sends the same official request until a 429; the refusal, or empty (and a problem) when none came. */
  private Optional<Answer> pushUntilRefused() {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("x-tollgate-route", "official");
    headers.put("x-mock", "tokens=" + Tour.CAP_STEP_TOKENS);
    Call call = Call.post("/v1/chat/completions", headers, "{\"model\":\"" + Tour.MODEL + "\",\"max_tokens\":"
        + Tour.CAP_STEP_TOKENS + ",\"messages\":[{\"role\":\"user\",\"content\":\"Write at length.\"}]}");
    for (int i = 1; i <= Tour.CAP_STEP_MAX_REQUESTS; i++) {
      Answer answer = i == 1 ? tour.call(call, true) : tour.send(call);
      if (i == 1 && answer.status() == 200) {
        out.println(Tour.INDENT + "(and the same command again, until the cap refuses it)");
      }
      String bucket = answer.header("x-tollgate-bucket").orElse("CREDIT");
      if (answer.status() == 200) {
        out.println(Tour.INDENT + "request " + i + ": 200, cost " + TourText.money(cost(answer), bucket) + "; "
            + answer.header("x-tollgate-limit-scope").orElse("tightest limit") + " remaining "
            + remaining(answer, bucket));
        continue;
      }
      out.println(Tour.INDENT + "request " + i + ": " + answer.status() + " " + answer.errorCode() + ", nothing charged;"
          + " receipt " + answer.header("x-tollgate-request-id").orElse("-"));
      if (answer.status() == 429) {
        if (i == 1) {
          out.println(Tour.INDENT + "(the cap had no room left for it already: requests earlier today used it up)");
        }
        return Optional.of(answer);
      }
      tour.problem("step 4: request " + i + " was answered " + answer.status() + " " + answer.errorCode()
          + " (expected: 200 until the cap refuses with 429)");
      return Optional.empty();
    }
    tour.problem("step 4: the official route's cap refused none of " + Tour.CAP_STEP_MAX_REQUESTS + " requests");
    return Optional.empty();
  }

  private static long cost(Answer answer) {
    return Long.parseLong(answer.header("x-tollgate-cost").orElse("0"));
  }

  private static String remaining(Answer answer, String bucket) {
    String value = answer.header("x-tollgate-limit-remaining").orElse("?");
    boolean money = answer.header("x-tollgate-limit-scope").orElse("").endsWith("_spend");
    return money && value.matches("\\d+") ? TourText.money(Long.parseLong(value), bucket) : value;
  }

  private static String now(JsonNode limit) {
    long held = limit.path("held").asLong();
    return "cap " + TourText.inUnit(limit.path("cap").asLong(), limit) + ", spent " + TourText.inUnit(limit.path("spent").asLong(), limit)
        + (held > 0 ? ", held " + TourText.inUnit(held, limit) : "") + ", remaining "
        + TourText.inUnit(limit.path("remaining").asLong(), limit) + ", resets at " + limit.path("resets_at").asText();
  }

  /** The daily spend limit of the official route of the tour's model, among the limits listed. */
  private static Optional<JsonNode> officialCap(JsonNode limits) {
    for (JsonNode limit : limits.path("data")) {
      if ("route".equals(limit.path("scope").asText()) && Tour.MODEL.equals(limit.path("model").asText())
          && "official".equals(limit.path("route_type").asText()) && "spend".equals(limit.path("metric").asText())
          && "day".equals(limit.path("window").asText())) {
        return Optional.of(limit);
      }
    }
    return Optional.empty();
  }
}

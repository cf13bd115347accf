package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.demo.TourHttp.Answer;
import java.io.PrintStream;
import java.util.Optional;
import java.util.function.Function;

/**
 * Step 3 of the tour: the receipts of step 1 (the primary served) and step 2 (the backup served) side by side,
 * each priced again at the primary's price, and the fallback policy that allowed the costlier backup.
 */
final class TourReceipts {
  private static final String ROW = "%-28s%-30s%s";

  private final Tour tour;
  private final PrintStream out;

  TourReceipts(Tour tour) {
    this.tour = tour;
    this.out = tour.out();
  }

  void sideBySide(Optional<Answer> primaryAnswer, Optional<Answer> backupAnswer) {
    tour.step(3, "the two receipts side by side",
        "Every request leaves a receipt: what was asked, every leg tried, what ran, why it fell back, what it cost and",
        "which bucket paid. The route's plan gives the primary's price, to price the backup's tokens at it.");
    if (primaryAnswer.isEmpty() || backupAnswer.isEmpty()) {
      out.println(Tour.INDENT + "(skipped: step 1 or step 2 did not get the answer it needed)");
      return;
    }
    Optional<JsonNode> primary = tour.read("/v1/receipts/" + primaryAnswer.get().header("x-tollgate-request-id").orElseThrow());
    Optional<JsonNode> backup = tour.read("/v1/receipts/" + backupAnswer.get().header("x-tollgate-request-id").orElseThrow());
    Optional<JsonNode> routed = tour.read("/v1/routes/" + Tour.MODEL).flatMap(TourReceipts::routedRoute);
    if (primary.isEmpty() || backup.isEmpty() || routed.isEmpty()) {
      tour.problem("step 3: the receipts or the routed route of " + Tour.MODEL + " could not be read");
      return;
    }
    JsonNode primaryPrice = routed.get().path("legs").path(0).path("price");
    JsonNode a = primary.get();
    JsonNode b = backup.get();
    out.println();
    row("", "step 1", "step 2");
    row("requested model", a, b, r -> r.path("requested_model").asText());
    row("route", a, b, r -> r.path("route_type").asText());
    row("leg (channel)", a, b, r -> r.path("leg").asText() + " (" + r.path("channel").asText() + ")");
    row("upstream model", a, b, r -> r.path("upstream_model").asText());
    row("fallback", a, b, r -> r.path("fallback").asBoolean() ? "yes: " + r.path("fallback_reason").asText("") : "no");
    row("bucket", a, b, r -> r.path("bucket").asText());
    row("tokens in / out", a, b, r -> r.path("usage").path("prompt_tokens").asLong() + " / "
        + r.path("usage").path("completion_tokens").asLong());
    row("price in / out per 1M", a, b, r -> TourText.perMillion(r.path("prices").path("input_micros_per_mtok").asLong())
        + " / " + TourText.perMillion(r.path("prices").path("output_micros_per_mtok").asLong()) + " "
        + TourText.currency(r.path("bucket").asText()));
    row("cost", a, b, r -> TourText.money(r.path("cost_micros").asLong(), r.path("bucket").asText()));
    row("at the primary's price", a, b, r -> TourText.money(TourText.costAt(primaryPrice, r.path("usage")),
        r.path("bucket").asText()));
    out.println();
    explain(b, primaryPrice, routed.get().path("fallback"));
  }

  private void explain(JsonNode backup, JsonNode primaryPrice, JsonNode policy) {
    long cost = backup.path("cost_micros").asLong();
    long atPrimary = TourText.costAt(primaryPrice, backup.path("usage"));
    String bucket = backup.path("bucket").asText();
    if (cost <= atPrimary) {
      tour.problem("step 3: the backup cost " + TourText.money(cost, bucket) + ", no more than the primary's price ("
          + TourText.money(atPrimary, bucket) + ")");
      out.println(Tour.INDENT + "The backup cost no more than the primary would have.");
      return;
    }
    out.println(Tour.INDENT + "The fallback cost " + TourText.money(cost - atPrimary, bucket) + " more: "
        + TourText.ratio(cost, atPrimary) + " times what the primary would have charged for the same tokens.");
    String route = "The route's fallback policy (GET /v1/routes/" + Tour.MODEL + ")";
    long ratioPpm = policy.path("max_price_ratio_ppm").asLong();
    if (policy.path("allow_costlier").asBoolean()) {
      out.println(Tour.INDENT + route + " allowed it: allow_costlier lets any costlier backup serve.");
    } else if (ratioPpm > 0) {
      out.println(Tour.INDENT + route + " allowed it: a costlier backup may serve when none of its prices");
      out.println(Tour.INDENT + "is more than " + TourText.ppm(ratioPpm) + " times the primary's (max_price_ratio);"
          + " a dearer one would have been skipped.");
    } else {
      out.println(Tour.INDENT + route + " allows no costlier backup, yet one served.");
      tour.problem("step 3: a costlier backup served, and the route's policy allows none");
    }
  }

  private static Optional<JsonNode> routedRoute(JsonNode plan) {
    for (JsonNode route : plan.path("routes")) {
      if ("routed".equals(route.path("type").asText())) {
        return Optional.of(route);
      }
    }
    return Optional.empty();
  }

  private void row(String label, JsonNode a, JsonNode b, Function<JsonNode, String> field) {
    row(label, field.apply(a), field.apply(b));
  }

  private void row(String label, String a, String b) {
    out.println(Tour.INDENT + String.format(ROW, label, a, b).stripTrailing());
  }
}

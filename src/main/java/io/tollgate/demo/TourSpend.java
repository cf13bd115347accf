package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Step 5 of the tour: today's spend on each route, from the usage report (this project's receipts summed), with
 * every limit that applies to the route beneath it; then the limits that belong to no single route.
 */
final class TourSpend {
  private final Tour tour;
  private final PrintStream out;

  /** One route's usage rows for today (one per bucket, plus one without a bucket for requests nothing charged) and its limits. */
  private record Route(List<JsonNode> usage, List<JsonNode> limits) {
    Route() {
      this(new ArrayList<>(), new ArrayList<>());
    }
  }

  TourSpend(Tour tour) {
    this.tour = tour;
    this.out = tour.out();
  }

  void perRoute() {
    tour.step(5, "today's spend per route, against its limits",
        "GET /v1/usage sums this project's receipts by day, model and route type (never across buckets); GET /v1/limits",
        "lists every limit that applies to this key: cap, spent, held by requests in flight, remaining, and reset time.");
    Optional<JsonNode> usage = tour.read("/v1/usage?group_by=day,model,route_type");
    Optional<JsonNode> limits = tour.read("/v1/limits");
    if (usage.isEmpty() || limits.isEmpty()) {
      return;
    }
    String today = usage.get().path("to").asText();
    ZoneId zone = ZoneId.of(usage.get().path("time_zone").asText("UTC"));
    Map<String, Route> routes = new LinkedHashMap<>();
    for (JsonNode row : usage.get().path("data")) {
      if (today.equals(row.path("day").asText())) {
        routes.computeIfAbsent(name(row), n -> new Route()).usage().add(row);
      }
    }
    List<JsonNode> elsewhere = new ArrayList<>();
    for (JsonNode limit : limits.get().path("data")) {
      if (limit.hasNonNull("model")) {
        routes.computeIfAbsent(name(limit), n -> new Route()).limits().add(limit);
      } else {
        elsewhere.add(limit);
      }
    }
    out.println();
    out.println(Tour.INDENT + "Today, " + today + " in " + zone.getId() + ":");
    routes.forEach((name, route) -> {
      out.println(Tour.INDENT + name + ": " + spent(route.usage()));
      route.limits().forEach(limit -> out.println(Tour.INDENT + "    " + TourText.describe(limit) + ": " + TourText.use(limit, zone)));
    });
    if (!elsewhere.isEmpty()) {
      out.println(Tour.INDENT + "Limits on no single route:");
      elsewhere.forEach(limit -> out.println(Tour.INDENT + "    " + TourText.describe(limit) + ": " + TourText.use(limit, zone)));
    }
  }

  /** {@code gpt-4o-mini (routed)}, from a usage row or a limit. */
  private static String name(JsonNode node) {
    return node.path("model").asText() + " (" + node.path("route_type").asText() + ")";
  }

  /** What one route's usage rows say: spend per bucket, and the requests that charged nothing. */
  private static String spent(List<JsonNode> rows) {
    List<String> parts = new ArrayList<>();
    long uncharged = 0;
    for (JsonNode row : rows) {
      uncharged += row.path("requests").asLong() - row.path("charged_requests").asLong();
      if (row.hasNonNull("bucket") && row.path("charged_requests").asLong() > 0) {
        parts.add("spent " + TourText.money(row.path("charged_micros").asLong(), row.path("bucket").asText()) + " from "
            + row.path("bucket").asText() + " in " + row.path("charged_requests").asLong() + " charged "
            + (row.path("charged_requests").asLong() == 1 ? "request" : "requests"));
      }
    }
    if (parts.isEmpty()) {
      parts.add("nothing spent");
    }
    String text = String.join("; ", parts);
    return uncharged == 0 ? text : text + " (and " + uncharged + " charged nothing: refused or failed)";
  }
}

package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.config.Bucket;
import io.tollgate.config.Multipliers;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.tollgate.pricing.Costs;
import io.tollgate.receipts.Usage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** How the tour writes amounts, prices, limits and times: exact decimals from micro-units, never floating point. */
final class TourText {
  private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT);

  private TourText() {}

  /** {@code 102} micro-units of RMB: {@code 0.000102 CNY}. */
  static String money(long micros, String bucket) {
    return BigDecimal.valueOf(micros, 6).toPlainString() + " " + currency(bucket);
  }

  /** A price per million tokens, as a receipt or a route gives it in micro-units: {@code 0.50}. */
  static String perMillion(long micros) {
    BigDecimal price = BigDecimal.valueOf(micros, 6).stripTrailingZeros();
    return price.scale() < 2 ? price.setScale(2).toPlainString() : price.toPlainString();
  }

  /** {@code 245 / 102}: {@code 2.40}. */
  static String ratio(long numerator, long denominator) {
    return BigDecimal.valueOf(numerator).divide(BigDecimal.valueOf(denominator), 2, RoundingMode.HALF_UP).toPlainString();
  }

  /** A ratio in parts per million, as a route's fallback policy gives it: {@code 3000000} is {@code 3}. */
  static String ppm(long ppm) {
    return BigDecimal.valueOf(ppm, 6).stripTrailingZeros().toPlainString();
  }

  /**
   * What one attempt's usage in a receipt costs at {@code price} (micro-units per million tokens, as the routes
   * endpoint gives a leg's price after multipliers): priced by the gateway's own cost function, so the tour's
   * comparison is the charge the gateway would have made.
   */
  static long costAt(JsonNode price, JsonNode usage) {
    long input = price.path("input_micros_per_mtok").asLong();
    Price list = new Price(input, price.path("output_micros_per_mtok").asLong(),
        price.path("cached_input_micros_per_mtok").asLong(input), price.path("cache_write_micros_per_mtok").asLong(input));
    Usage counts = new Usage(usage.path("prompt_tokens").asLong(), usage.path("completion_tokens").asLong(),
        usage.path("cached_prompt_tokens").asLong(), usage.path("cache_write_prompt_tokens").asLong(), "receipt", null);
    // the price is already after the multipliers: apply none again
    return Costs.costMicros(list, counts, new Multipliers(Multipliers.ONE, Map.of()), RouteType.OFFICIAL);
  }

  /** An amount in a limit's unit: money of its bucket, or a count of tokens or requests. */
  static String inUnit(long amount, JsonNode limit) {
    return limit.hasNonNull("bucket") ? money(amount, limit.get("bucket").asText())
        : amount + " " + limit.path("metric").asText();
  }

  /** A limit as a reader names it: {@code route x key daily spend (routed) of this key}. */
  static String describe(JsonNode limit) {
    String scope = limit.path("scope").asText();
    String window = switch (limit.path("window").asText()) {
      case "day" -> "daily";
      case "month" -> "monthly";
      case "minute" -> "per-minute";
      default -> limit.path("window").asText();
    };
    String whose = switch (scope) {
      case "route", "channel" -> limit.path("shared").asBoolean() ? ", shared by every account" : ", each account's own";
      case "route_key", "key" -> ", this key's";
      case "route_project", "project" -> ", this project's";
      case "account" -> ", this account's";
      default -> "";
    };
    String what = scope.equals("channel") ? "channel " + limit.path("channel").asText() : scope.replace("route_", "route x ");
    return what + " " + window + " " + limit.path("metric").asText() + whose + " (" + limit.path("source").asText() + ")";
  }

  /** A limit's use against its cap, and when it resets, in the gateway's time zone. */
  static String use(JsonNode limit, ZoneId zone) {
    long held = limit.path("held").asLong();
    return inUnit(limit.path("spent").asLong(), limit) + " of " + inUnit(limit.path("cap").asLong(), limit)
        + (held > 0 ? " (" + inUnit(held, limit) + " held by requests in flight)" : "")
        + ", remaining " + inUnit(limit.path("remaining").asLong(), limit) + ", " + resets(limit, zone);
  }

  /** {@code resets 2026-05-05 00:00 Asia/Shanghai (2026-05-04T16:00:00Z)}, or {@code never resets}. */
  static String resets(JsonNode limit, ZoneId zone) {
    if (!limit.hasNonNull("resets_at")) {
      return "never resets";
    }
    Instant at = Instant.parse(limit.get("resets_at").asText());
    return "resets " + LOCAL.format(at.atZone(zone)) + " " + zone.getId() + " (" + at + ")";
  }

  /** The currency of a bucket named on the wire: {@code RMB} is {@code CNY}. */
  static String currency(String bucket) {
    try {
      return Bucket.valueOf(bucket).currency();
    } catch (IllegalArgumentException unknown) {
      return bucket;
    }
  }
}

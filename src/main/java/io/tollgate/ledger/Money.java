package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import io.tollgate.http.JsonBody;
import java.math.BigDecimal;

/** Formats and parses micro-unit amounts exactly; never through floating point. */
public final class Money {
  private Money() {}

  /** {@code 1234500} in RMB is "1.234500 CNY". */
  public static String format(long micros, Bucket bucket) {
    return BigDecimal.valueOf(micros, 6).toPlainString() + " " + bucket.currency();
  }

  /**
   * Reads an amount given either as integer micro-units ({@code microsField}, e.g. {@code amount_micros}) or as a
   * decimal string ({@code decimalField}, e.g. {@code amount}: "10.50"). A JSON floating-point number is refused:
   * it may already have lost precision.
   */
  public static long parse(JsonBody body, String microsField, String decimalField) {
    Long micros = body.optionalInteger(microsField, "an integer count of micro-units");
    String decimal = body.optionalText(decimalField,
        "a decimal string such as \"10.50\" (a JSON number may lose precision); or use '" + microsField + "'");
    if (micros != null && decimal != null) {
      throw ApiException.invalid(body.param(decimalField), "invalid_value",
          "Give either '" + microsField + "' or '" + decimalField + "', not both.");
    }
    if (micros != null) {
      return positive(micros, body.param(microsField));
    }
    if (decimal != null) {
      try {
        return positive(new BigDecimal(decimal.trim()).movePointRight(6).longValueExact(), body.param(decimalField));
      } catch (NumberFormatException | ArithmeticException e) {
        throw ApiException.invalid(body.param(decimalField), "invalid_value", "'" + body.param(decimalField) + "': '"
            + decimal + "' (expected: a decimal string with at most 6 decimal places, such as \"10.50\")");
      }
    }
    throw ApiException.invalid(body.param(decimalField), "missing_required_parameter", "Missing '" + decimalField
        + "' (expected: a decimal string) or '" + microsField + "' (expected: an integer).");
  }

  /** The largest single movement accepted: one billion currency units. */
  public static final long MAX_MOVEMENT_MICROS = 1_000_000_000_000_000L;

  private static long positive(long value, String param) {
    if (value <= 0 || value > MAX_MOVEMENT_MICROS) {
      throw ApiException.invalid(param, "invalid_value", "'" + param + "': " + value + " micro-units (expected: > 0 and <= "
          + MAX_MOVEMENT_MICROS + ")");
    }
    return value;
  }
}

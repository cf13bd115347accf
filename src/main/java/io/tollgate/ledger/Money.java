package io.tollgate.ledger;

import io.tollgate.config.Bucket;
import io.tollgate.http.ApiException;
import java.math.BigDecimal;

/** Formats and parses micro-unit amounts exactly; never through floating point. */
public final class Money {
  private Money() {}

  /** {@code 1234500} in RMB is "1.234500 CNY". */
  public static String format(long micros, Bucket bucket) {
    return BigDecimal.valueOf(micros, 6).toPlainString() + " " + bucket.currency();
  }

  /**
   * Reads an amount given either as integer micro-units ({@code amount_micros}) or as a decimal string
   * ({@code amount}, e.g. "10.50"). A JSON floating-point number is refused: it may already have lost precision.
   */
  public static long parse(Object micros, Object decimal, String param) {
    if (micros != null && decimal != null) {
      throw ApiException.invalid(param, "invalid_value", "Give either 'amount_micros' or 'amount', not both.");
    }
    if (micros != null) {
      if (!(micros instanceof Integer || micros instanceof Long)) {
        throw ApiException.invalid("amount_micros", "invalid_type", "'amount_micros' must be an integer count of micro-units.");
      }
      return positive(((Number) micros).longValue(), "amount_micros");
    }
    if (decimal instanceof String text) {
      try {
        return positive(new BigDecimal(text.trim()).movePointRight(6).longValueExact(), "amount");
      } catch (NumberFormatException | ArithmeticException e) {
        throw ApiException.invalid("amount", "invalid_value",
            "'amount': '" + text + "' (expected: a decimal string with at most 6 decimal places, such as \"10.50\")");
      }
    }
    if (decimal != null) {
      throw ApiException.invalid("amount", "invalid_type",
          "'amount' must be a decimal string such as \"10.50\" (a JSON number may lose precision); or use 'amount_micros'.");
    }
    throw ApiException.invalid(param, "missing_required_parameter", "Missing 'amount' (decimal string) or 'amount_micros' (integer).");
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

package io.tollgate.limits;

/**
 * What one hold reserves on one limit counter. Stored with the hold (as JSON) so that settlement, void and
 * recovery release exactly what was reserved.
 *
 * @param counter the counter key: limit id, subject and window
 * @param amount micro-units for spend, tokens or requests
 */
public record Reservation(String counter, String limitId, String metric, long amount) {
  /** The key of {@code limitId}'s counter for {@code subject} in the window named {@code windowKey}. */
  static String counterKey(String limitId, String subject, String windowKey) {
    return limitId + "|" + subject + "|" + windowKey;
  }

  /** The window part of a counter key made by {@link #counterKey}. */
  static String windowKeyOf(String counterKey) {
    return counterKey.substring(counterKey.lastIndexOf('|') + 1);
  }
}

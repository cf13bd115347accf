package io.tollgate.limits;

/**
 * What one hold reserves on one limit counter. Stored with the hold (as JSON) so that settlement, void and
 * recovery release exactly what was reserved.
 *
 * @param counter the counter key: limit id, subject and window
 * @param amount micro-units for spend, tokens or requests
 */
public record Reservation(String counter, String limitId, String metric, long amount) {}

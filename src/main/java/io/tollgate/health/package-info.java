/**
 * Live channel health: success rate and latency over a sliding window, a circuit breaker per channel that
 * opens after repeated failures and lets one probe through after a cooldown, and an upstream's Retry-After.
 */
package io.tollgate.health;

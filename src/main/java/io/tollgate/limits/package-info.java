/**
 * Route-scoped limits: caps on spend, tokens or requests per account, project, key, route, route x key,
 * route x project, channel or run, over minute, day, month or lifetime windows, enforced with the same atomic
 * hold as the balance so that concurrency never overspends.
 */
package io.tollgate.limits;

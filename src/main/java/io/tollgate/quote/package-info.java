/**
 * Quotes: what a request would do before it runs (route, legs, buckets, cost range, limits, health, warnings),
 * computed from memory and reads only: no write, no upstream call.
 */
package io.tollgate.quote;

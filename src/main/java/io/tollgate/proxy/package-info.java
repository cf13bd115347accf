/**
 * The OpenAI-compatible request path: validate, plan, walk the legs with fallback, relay JSON or SSE from the
 * upstream chunk by chunk, and record the receipt.
 */
package io.tollgate.proxy;

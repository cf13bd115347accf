/**
 * A scriptable, OpenAI-compatible upstream that tests, the demo mode and the benchmarks call
 * instead of a real provider; each request's behaviour is chosen by its {@code x-mock} header.
 */
package io.tollgate.mock;

/**
 * Market data for the researcher: daily bars behind one interface ({@link MarketData}), from a local CSV directory,
 * an HTTP daily-bars service or the bundled sample set, with fetches cached and counted.
 */
package io.tollgate.research.data;

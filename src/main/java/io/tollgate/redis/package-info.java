/**
 * The hot counters of a cluster in Redis: one Lua script reserves a hold's claims over every scope and the wallet,
 * all or none, across processes; others settle, void, sweep expired holds and rebuild the counters from the journal
 * after Redis restarts empty. The scripts compare and add what the accounting core computed, nothing more.
 */
package io.tollgate.redis;

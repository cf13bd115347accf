/**
 * The accounting core: one pure state machine, on one thread and in memory, that makes every money decision
 * (worst case, admission over the leg walk, holds over the wallet and every limit, postings, voids, recovery)
 * and emits each as a journal event for a {@link io.tollgate.ledger.core.LedgerStore} to make durable. No SQL,
 * no Vert.x and no HTTP types live here; {@code CorePurityTest} checks the imports.
 */
package io.tollgate.ledger.core;

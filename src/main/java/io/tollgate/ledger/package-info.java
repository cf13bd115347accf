/**
 * The two-bucket double-entry ledger: wallets per account and bucket, system accounts, immutable transfers
 * whose id is their idempotency key, append-only entries, two-phase holds, and the verifier of its invariants.
 */
package io.tollgate.ledger;

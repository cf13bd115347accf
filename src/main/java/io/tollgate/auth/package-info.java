/**
 * API keys ({@code tg-...}) and the admin token: generated once, stored only as SHA-256 hashes with a short
 * display prefix, compared in constant time, cached with immediate invalidation on revoke.
 */
package io.tollgate.auth;

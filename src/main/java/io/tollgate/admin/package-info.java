/** The operator's API under {@code /admin}, behind the admin token: tenants, keys, scopes, receipts, config reload. */
package io.tollgate.admin;

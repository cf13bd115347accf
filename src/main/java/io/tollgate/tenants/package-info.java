/** Accounts (customers) and the projects that group their API keys. */
package io.tollgate.tenants;

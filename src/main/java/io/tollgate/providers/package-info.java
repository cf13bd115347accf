/**
 * The wire protocols of upstream providers other than OpenAI, and of clients that speak them: each translates to
 * and from the OpenAI chat shape the request path, its usage accounting and its receipts work in.
 */
package io.tollgate.providers;

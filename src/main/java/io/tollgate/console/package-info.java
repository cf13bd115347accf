/**
 * The web console at {@code /console}: server-rendered pages over the gateway's own JSON API (called over loopback
 * with the signed-in member's session key or the operator's admin token), so a page and a curl call can never
 * disagree.
 */
package io.tollgate.console;

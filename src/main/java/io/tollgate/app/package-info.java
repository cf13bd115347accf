/** Wiring: builds every part by hand in one place, starts the HTTP server, and stops it all in order. */
package io.tollgate.app;

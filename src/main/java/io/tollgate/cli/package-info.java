/** The {@code tollgate} command line (picocli): serve, init, tenants and keys, and the scriptable upstream. */
package io.tollgate.cli;

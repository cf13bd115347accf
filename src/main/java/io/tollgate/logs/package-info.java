/**
 * What the gateway writes to its log: Logback configured from the YAML's {@code logging:} section, one access line
 * per receipt on {@code tollgate.access}, and the audit trail of admin calls on {@code tollgate.audit}.
 */
package io.tollgate.logs;

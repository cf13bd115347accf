/** Operational metrics in Prometheus' text format: HTTP requests, the store writer's group commit, the JVM. */
package io.tollgate.metrics;

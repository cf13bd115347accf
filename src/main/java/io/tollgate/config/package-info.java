/**
 * The operator's YAML configuration (channels, catalog models, routes, prices), parsed into immutable
 * records, validated once with errors that name the file, the line and the fix, and swapped atomically on reload.
 */
package io.tollgate.config;

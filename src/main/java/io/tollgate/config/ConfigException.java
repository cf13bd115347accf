package io.tollgate.config;

/** A configuration that cannot be served. The message names the file, the line, the problem and the fix. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}

package io.tollgate.config;

import java.util.Locale;

/** The wire protocol a channel speaks. */
public enum ProviderKind {
  OPENAI;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

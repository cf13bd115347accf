package io.tollgate.config;

import java.util.Locale;

/** The wire protocol a channel speaks: OpenAI's chat completions, Anthropic's Messages API or Gemini's generateContent. */
public enum ProviderKind {
  OPENAI,
  ANTHROPIC,
  GEMINI;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}

package io.tollgate.mock;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * How the mock counts the tokens it reports in usage. Tests script usage by counting words; the demo's simulated
 * upstream counts like a real one, with a tokenizer, so what the gateway estimates before a call (with the same
 * tokenizer) is what the upstream reports after it, as it would be on a real upstream.
 */
public enum Counting {
  /** One whitespace-separated word is one token, so a test predicts usage by counting words. */
  WORDS,
  /** Tokens as the o200k_base tokenizer counts them, as OpenAI's upstreams report them. */
  TOKENIZER;

  int count(String text) {
    return this == WORDS ? Words.count(text) : text.isEmpty() ? 0 : Tokenizer.ENCODING.countTokensOrdinary(text);
  }

  /** Loaded only when the tokenizer is first used. */
  private static final class Tokenizer {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }
}

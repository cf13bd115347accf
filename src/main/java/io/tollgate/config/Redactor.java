package io.tollgate.config;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Removes secrets from upstream text before it reaches a client, a receipt or a log. Two rules:
 * <ul>
 *   <li>every configured channel credential (and header value the configuration marks secret by sending it
 *       upstream) is replaced by {@value #MASK} wherever it appears, in answers as in errors;</li>
 *   <li>in error text only (messages of upstream errors and error events), anything shaped like a provider's API
 *       key or a bearer token is masked too. Answers are left alone there: a model may legitimately write an
 *       example key, and only an error echoes a caller's.</li>
 * </ul>
 * Secrets shorter than {@value #MIN_SECRET_LENGTH} characters are not matched: masking them would mangle text.
 */
public final class Redactor {
  public static final String MASK = "[redacted]";
  static final int MIN_SECRET_LENGTH = 6;
  private static final Pattern KEY_SHAPED = Pattern.compile(
      "(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}"            // OpenAI, Anthropic (sk-ant-...), DeepSeek, most relays
      + "|AIza[0-9A-Za-z_-]{30,}"                   // Google
      + "|tg-[A-Za-z0-9_-]{16,}"                    // our own keys
      + "|(?i:bearer)\\s+[A-Za-z0-9._~+/=-]{8,}"     // any bearer token
      + "|(?i:(?:api[-_]?key|x-api-key|key)[\"']?\\s*[:=]\\s*[\"']?)[A-Za-z0-9._~+/-]{12,}");

  public static final Redactor NONE = new Redactor(List.of());

  private final List<String> secrets;
  private final List<byte[]> secretBytes;

  private Redactor(List<String> secrets) {
    this.secrets = secrets;
    this.secretBytes = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
  }

  /** A redactor for {@code secrets}; nulls and short values are left out, longer secrets are matched first. */
  public static Redactor of(Collection<String> secrets) {
    return new Redactor(secrets.stream().filter(Objects::nonNull).filter(s -> s.length() >= MIN_SECRET_LENGTH).distinct()
        .sorted(Comparator.comparingInt(String::length).reversed()).toList());
  }

  /** {@code text} with every configured secret masked. */
  public String secrets(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String secret : secrets) {
      if (out.contains(secret)) {
        out = out.replace(secret, MASK);
      }
    }
    return out;
  }

  /**
   * Masks configured secrets in every string of {@code json} (values of objects and arrays, at any depth), as a
   * client's parser would decode them: a secret written with JSON escapes is caught too. Returns whether anything
   * changed, so a caller relays the original bytes only when nothing did.
   */
  public boolean scrub(io.vertx.core.json.JsonObject json) {
    if (secrets.isEmpty() || json == null) {
      return false;
    }
    boolean changed = false;
    for (String field : List.copyOf(json.fieldNames())) {
      Object value = json.getValue(field);
      if (value instanceof String text) {
        String masked = secrets(text);
        if (!masked.equals(text)) {
          json.put(field, masked);
          changed = true;
        }
      } else {
        changed |= scrubValue(value);
      }
    }
    return changed;
  }

  private boolean scrubValue(Object value) {
    if (value instanceof io.vertx.core.json.JsonObject object) {
      return scrub(object);
    }
    if (value instanceof io.vertx.core.json.JsonArray array) {
      boolean changed = false;
      for (int i = 0; i < array.size(); i++) {
        Object item = array.getValue(i);
        if (item instanceof String text) {
          String masked = secrets(text);
          if (!masked.equals(text)) {
            array.set(i, masked);
            changed = true;
          }
        } else {
          changed |= scrubValue(item);
        }
      }
      return changed;
    }
    return false;
  }

  /**
   * How many characters at the end of {@code text} could be the start of a secret that a later piece of a stream
   * completes: a relay holds them back until the next piece shows whether it does.
   */
  public int pendingSuffix(String text) {
    int longest = secrets.isEmpty() ? 0 : secrets.get(0).length() - 1;
    for (int k = Math.min(longest, text.length()); k > 0; k--) {
      String suffix = text.substring(text.length() - k);
      for (String secret : secrets) {
        if (secret.length() > k && secret.startsWith(suffix)) {
          return k;
        }
      }
    }
    return 0;
  }

  /** Error text: configured secrets and anything shaped like a key or a bearer token masked. */
  public String errorText(String text) {
    return text == null ? null : KEY_SHAPED.matcher(secrets(text)).replaceAll(MASK);
  }

  /** {@code body} with every configured secret masked; the same buffer when it holds none (the common case). */
  public Buffer secrets(Buffer body) {
    if (body == null || secrets.isEmpty()) {
      return body;
    }
    byte[] bytes = body.getBytes();
    for (byte[] secret : secretBytes) {
      if (indexOf(bytes, secret) >= 0) {
        return Buffer.buffer(secrets(body.toString(StandardCharsets.UTF_8)));
      }
    }
    return body;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}

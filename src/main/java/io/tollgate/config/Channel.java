package io.tollgate.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * One upstream endpoint. {@code credential} is the resolved secret and must never be logged or shown;
 * {@link #toString()} hides it.
 *
 * @param headers static headers sent with every upstream request
 * @param forwardHeaders client request headers passed through to this upstream (lower case)
 */
public record Channel(
    String id,
    ProviderKind kind,
    URI baseUrl,
    String credential,
    Timeouts timeouts,
    Map<String, String> headers,
    List<String> forwardHeaders) {

  @Override
  public String toString() {
    return "Channel[id=" + id + ", kind=" + kind.wireName() + ", baseUrl=" + baseUrl + "]";
  }
}

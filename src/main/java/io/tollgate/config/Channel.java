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
 * @param label the name users see for this channel (in route previews and quotes); never its URL
 * @param breakerFailures consecutive upstream failures that open the channel's circuit breaker
 * @param breakerCooldownMs how long an open breaker waits before letting one probe request through
 * @param outputCapField the request field that carries the output cap the gateway forwards when a request sets none
 *     ({@code max_tokens}, or {@code max_completion_tokens} for upstream models that refuse the older field)
 */
public record Channel(
    String id,
    String label,
    ProviderKind kind,
    URI baseUrl,
    String credential,
    Timeouts timeouts,
    Map<String, String> headers,
    List<String> forwardHeaders,
    int breakerFailures,
    long breakerCooldownMs,
    String outputCapField) {

  @Override
  public String toString() {
    return "Channel[id=" + id + ", kind=" + kind.wireName() + ", baseUrl=" + baseUrl + "]";
  }
}

package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.tollgate.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The tour's HTTP: each call is sent as the demo key's owner would send it and can be printed as the plain
 * {@code curl} command that repeats it, key included (the demo's key is printed by {@code serve --demo} anyway).
 */
final class TourHttp {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String root;
  private final String key;

  /** One request: a path under the gateway's root, extra headers in order, and a JSON body for a POST (null for a GET). */
  record Call(String path, Map<String, String> headers, String body) {
    static Call get(String path) {
      return new Call(path, Map.of(), null);
    }

    static Call post(String path, Map<String, String> headers, String body) {
      return new Call(path, headers, Objects.requireNonNull(body, "body"));
    }
  }

  /** What the gateway answered: the status, the headers and the body read as JSON (missing when it is not JSON). */
  record Answer(int status, Map<String, String> headers, JsonNode json) {
    Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name));
    }

    /** The OpenAI error's {@code code}, or empty for an answer that is not an error. */
    String errorCode() {
      return json.path("error").path("code").asText("");
    }
  }

  /**
   * @param baseUrl the gateway's address, with or without the {@code /v1} the demo's banner shows
   */
  TourHttp(String baseUrl, String key) {
    String trimmed = baseUrl.strip().replaceAll("/+$", "");
    this.root = trimmed.endsWith("/v1") ? trimmed.substring(0, trimmed.length() - 3) : trimmed;
    this.key = Objects.requireNonNull(key, "key");
    if (!root.matches("https?://[^/\\s]+")) {
      throw new IllegalArgumentException("--url: " + baseUrl + " (expected: the demo's address as `serve --demo` printed"
          + " it, such as http://127.0.0.1:8080)");
    }
  }

  String root() {
    return root;
  }

  /** The {@code curl} command that sends {@code call}; {@code -D -} shows the response's headers where they matter. */
  String curl(Call call, boolean showHeaders) {
    StringBuilder out = new StringBuilder("curl -s ");
    if (showHeaders) {
      out.append("-D - ");
    }
    out.append(quote(root + call.path())).append(" -H ").append(quote("Authorization: Bearer " + key));
    if (call.body() != null) {
      out.append(" -H 'Content-Type: application/json'");
    }
    call.headers().forEach((name, value) -> out.append(" -H ").append(quote(name + ": " + value)));
    if (call.body() != null) {
      out.append(" -d ").append(quote(call.body()));
    }
    return out.toString();
  }

  Answer send(Call call) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + call.path())).timeout(Duration.ofSeconds(60))
        .header("authorization", "Bearer " + key);
    call.headers().forEach(request::header);
    if (call.body() == null) {
      request.GET();
    } else {
      request.header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(call.body(), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new IllegalStateException("no gateway answers at " + root + ": start one with `tollgate serve --demo`"
          + " and pass its address with --url, or leave out --url to let the tour start one");
    } catch (IOException e) {
      throw new IllegalStateException("the gateway at " + root + " could not be reached: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    response.headers().map().forEach((name, values) -> headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0)));
    return new Answer(response.statusCode(), headers, parse(response.body()));
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode json = Json.MAPPER.readTree(body);
      return json == null ? MissingNode.getInstance() : json;
    } catch (IOException | RuntimeException notJson) {
      return MissingNode.getInstance();
    }
  }

  /** Single-quotes {@code text} for a POSIX shell. */
  static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }
}

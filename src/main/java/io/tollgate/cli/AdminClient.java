package io.tollgate.cli;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Calls a running gateway's admin API for the CLI's {@code admin} commands: the gateway owns its store while it
 * runs, so changes go through it. An error answer becomes one line with its message; the token is never printed.
 */
final class AdminClient {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI base;
  private final String token;

  AdminClient(String url, String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("no admin token: set TOLLGATE_ADMIN_TOKEN to the token"
          + " 'tollgate init' printed");
    }
    String trimmed = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.base = URI.create(trimmed);
    this.token = token;
  }

  JsonObject get(String path, Map<String, String> query) {
    return send(HttpRequest.newBuilder(uri(path, query)).GET());
  }

  JsonObject post(String path, JsonObject body) {
    return send(HttpRequest.newBuilder(uri(path, Map.of())).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())));
  }

  private URI uri(String path, Map<String, String> query) {
    Map<String, String> present = new LinkedHashMap<>();
    query.forEach((k, v) -> {
      if (v != null) {
        present.put(k, v);
      }
    });
    String q = present.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    return URI.create(base + path + (q.isEmpty() ? "" : "?" + q));
  }

  private JsonObject send(HttpRequest.Builder request) {
    HttpResponse<String> response;
    try {
      response = http.send(request.header("authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new IllegalStateException("no gateway answers at " + base + ": start it with 'tollgate serve', or pass --url");
    } catch (IOException e) {
      throw new IllegalStateException("the gateway at " + base + " could not be reached: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
    JsonObject body;
    try {
      body = new JsonObject(response.body());
    } catch (RuntimeException e) {
      throw new IllegalStateException("the gateway answered " + response.statusCode() + " with a body that is not JSON");
    }
    if (response.statusCode() >= 400) {
      JsonObject error = body.getJsonObject("error", new JsonObject());
      throw new IllegalStateException(error.getString("message", "the gateway answered " + response.statusCode())
          + " (" + response.statusCode() + (error.getString("code") == null ? "" : " " + error.getString("code")) + ")");
    }
    return body;
  }
}

package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A blocking test client for the mock: plain JDK HTTP, so the mock is tested from outside. */
final class MockHttp {

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final String baseUrl;

  MockHttp(String baseUrl) {
    this.baseUrl = baseUrl;
  }

  static JsonObject chatBody(String model, String userText) {
    return new JsonObject()
        .put("model", model)
        .put("messages", new JsonArray().add(message("user", userText)));
  }

  static JsonObject message(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  HttpRequest.Builder post(String path, String body, String mockHeader) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(DEFAULT_TIMEOUT)
        .header("Authorization", "Bearer test-key")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    return mockHeader == null ? request : request.header(MockSettings.HEADER, mockHeader);
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, JsonObject body, String mockHeader)
      throws IOException, InterruptedException {
    return send(post(path, body.encode(), mockHeader));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(DEFAULT_TIMEOUT)
        .header("Authorization", "Bearer test-key")
        .GET());
  }

  /**
   * Sends one HTTP/1.1 request over a plain socket and returns every byte received until the
   * server closed the connection, headers and chunk framing included.
   */
  String rawPost(String path, JsonObject body, String mockHeader) throws IOException {
    URI uri = URI.create(baseUrl + path);
    byte[] content = body.encode().getBytes(StandardCharsets.UTF_8);
    String head = "POST " + uri.getPath() + " HTTP/1.1\r\n"
        + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
        + "Authorization: Bearer test-key\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + content.length + "\r\n"
        + MockSettings.HEADER + ": " + mockHeader + "\r\n\r\n";
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout((int) DEFAULT_TIMEOUT.toMillis());
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(content);
      try {
        socket.getInputStream().transferTo(received);
      } catch (SocketException reset) {
        // A reset ends the exchange as surely as a close; what arrived before it is the result.
      }
    }
    return received.toString(StandardCharsets.UTF_8);
  }

  HttpClient client() {
    return client;
  }

  /** The payloads of the {@code data:} lines of a server-sent event stream, in order. */
  static List<String> events(String stream) {
    List<String> events = new ArrayList<>();
    for (String frame : stream.split("\n\n")) {
      if (frame.startsWith("data: ")) {
        events.add(frame.substring("data: ".length()));
      }
    }
    return events;
  }
}

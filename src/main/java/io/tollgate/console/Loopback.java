package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * Calls the gateway's own JSON API on 127.0.0.1: the console shows what the API answers and changes what the API
 * changes, through the same authentication, scoping and services, never a copy of them.
 */
final class Loopback {
  /** An answer read whole. */
  record Reply(int status, MultiMap headers, String body) {
    boolean ok() {
      return status / 100 == 2;
    }

    JsonObject json() {
      return body.isBlank() ? new JsonObject() : new JsonObject(body);
    }

    /** The API's error message, for showing on a page. */
    String error() {
      try {
        JsonObject error = json().getJsonObject("error");
        return error == null ? "HTTP " + status : error.getString("message", "HTTP " + status);
      } catch (RuntimeException e) {
        return "HTTP " + status;
      }
    }
  }

  private static final int MAX_CONNECTIONS = 64;
  private final HttpClient client;
  private final int port;

  Loopback(Vertx vertx, int port) {
    // a page reads a few answers at once and a playground stream holds its connection to the end
    this(vertx, port, MAX_CONNECTIONS);
  }

  /** A client of its own with a pool of {@code maxConnections} (the research event streams have theirs). */
  Loopback(Vertx vertx, int port, int maxConnections) {
    this.port = port;
    this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(maxConnections));
  }

  Future<Reply> get(String path, String bearer) {
    return send(HttpMethod.GET, path, bearer, null);
  }

  Future<Reply> post(String path, String bearer, JsonObject body) {
    return send(HttpMethod.POST, path, bearer, body);
  }

  Future<Reply> delete(String path, String bearer) {
    return send(HttpMethod.DELETE, path, bearer, null);
  }

  Future<Reply> put(String path, String bearer, JsonObject body) {
    return send(HttpMethod.PUT, path, bearer, body);
  }

  /** Opens a GET whose answer the caller reads as it arrives (a run's event stream). */
  Future<HttpClientResponse> open(String path, String bearer) {
    return client.request(options(HttpMethod.GET, path, bearer)).compose(request -> request.send());
  }

  /** Opens a request whose answer the caller reads as it arrives (a streamed chat). */
  Future<HttpClientResponse> open(String path, String bearer, JsonObject body, String routeType) {
    return client.request(withRoute(options(HttpMethod.POST, path, bearer), routeType))
        .compose(request -> request.putHeader("content-type", "application/json").send(body.encode()));
  }

  /** A POST with {@code x-tollgate-route} set when {@code routeType} is given, as a client picks its route type. */
  Future<Reply> post(String path, String bearer, JsonObject body, String routeType) {
    return client.request(withRoute(options(HttpMethod.POST, path, bearer), routeType))
        .compose(request -> request.putHeader("content-type", "application/json").send(Buffer.buffer(body.encode())))
        .compose(response -> response.body().map(b -> new Reply(response.statusCode(), response.headers(), b.toString())));
  }

  private static RequestOptions withRoute(RequestOptions options, String routeType) {
    return routeType == null || routeType.isBlank() ? options : options.putHeader("x-tollgate-route", routeType);
  }

  private Future<Reply> send(HttpMethod method, String path, String bearer, JsonObject body) {
    return client.request(options(method, path, bearer))
        .compose(request -> body == null ? request.send()
            : request.putHeader("content-type", "application/json").send(Buffer.buffer(body.encode())))
        .compose(response -> response.body().map(b -> new Reply(response.statusCode(), response.headers(), b.toString())));
  }

  private RequestOptions options(HttpMethod method, String path, String bearer) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    if (bearer != null) {
      options.putHeader("authorization", bearer);
    }
    return options;
  }
}

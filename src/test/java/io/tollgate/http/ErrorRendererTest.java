package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The one place that renders failures nobody expected: the OpenAI shape, never a class name, a stack trace or
 * the exception's own text, and a reference that finds the full story in the log.
 */
class ErrorRendererTest {
  static Vertx vertx;
  static HttpServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.get("/cast").handler(ctx -> {
      throw new ClassCastException("class java.lang.String cannot be cast to class io.vertx.core.json.JsonObject");
    });
    router.get("/sent").handler(ctx -> ErrorRenderer.send(ctx.response(),
        new IllegalStateException("secret internals in io.tollgate.store.Store", new IOException("disk"))));
    router.get("/client").handler(ctx -> ctx.fail(400, new IOException("java.io.IOException: broken at io.netty.Foo")));
    router.route().failureHandler(ErrorRenderer::handle);
    server = vertx.createHttpServer().requestHandler(router).listen(0).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonObject error(HttpResponse<String> response) {
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("message")).as(response.body())
        .doesNotContain("java").doesNotContain("Exception").doesNotContain("io.")
        .doesNotContain("secret").doesNotContain("cast").doesNotContain("\tat ").doesNotContain("broken");
    return error;
  }

  @Test
  void anExceptionThrownByAHandlerIsA500WithAReferenceAndNoInternals() throws Exception {
    HttpResponse<String> response = get("/cast");

    assertThat(response.statusCode()).isEqualTo(500);
    JsonObject error = error(response);
    assertThat(error.getString("type")).isEqualTo("server_error");
    assertThat(error.getString("code")).isEqualTo("internal_error");
    assertThat(error.getString("message")).containsPattern("reference err_[0-9A-Z]{26}");
  }

  @Test
  void anUnexpectedFailureSentByAHandlerIsRenderedTheSameWay() throws Exception {
    HttpResponse<String> response = get("/sent");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(error(response).getString("message")).containsPattern("reference err_[0-9A-Z]{26}");
  }

  @Test
  void aFailureWithAClientStatusKeepsItsStatusAndHidesItsException() throws Exception {
    HttpResponse<String> response = get("/client");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(error(response).getString("type")).isEqualTo("invalid_request_error");
  }
}

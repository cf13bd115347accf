package io.tollgate.http;

import io.tollgate.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** The small steps every JSON API handler shares: reading the body, and answering from blocking work. */
public final class Requests {
  private Requests() {}

  /** The request body as a JSON object (empty when there is none), or a 400 in the OpenAI shape. */
  public static JsonObject jsonBody(RoutingContext ctx) {
    try {
      JsonObject body = ctx.body().asJsonObject();
      return body == null ? new JsonObject() : body;
    } catch (DecodeException | ClassCastException e) {
      throw ApiException.invalid(null, "invalid_json", "The request body must be a JSON object.");
    }
  }

  /**
   * Runs {@code work} on a worker and answers with its result as JSON and {@code status}, or with its failure,
   * first translated by {@code failures} (a domain exception into an {@link ApiException}).
   */
  public static void respond(Vertx vertx, RoutingContext ctx, int status, Callable<Object> work,
      Function<Throwable, Throwable> failures) {
    respond(vertx, ctx, status, work, failures, (answer, result) -> {});
  }

  /** What a request ended with, told just before it is answered: the status, and the result (null on failure). */
  @FunctionalInterface
  interface Answering {
    void answering(int status, Object result);
  }

  static void respond(Vertx vertx, RoutingContext ctx, int status, Callable<Object> work,
      Function<Throwable, Throwable> failures, Answering answering) {
    vertx.executeBlocking(work, false)
        .recover(e -> Future.failedFuture(ErrorRenderer.toApi(failures.apply(e))))
        .onSuccess(value -> {
          answering.answering(status, value);
          ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(Json.write(value));
        })
        .onFailure(e -> {
          answering.answering(((ApiException) e).status(), null);
          ErrorRenderer.send(ctx.response(), e);
        });
  }
}

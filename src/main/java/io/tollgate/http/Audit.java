package io.tollgate.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.json.Json;
import io.tollgate.logs.LogSetup;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The audit trail of the admin API on {@code tollgate.audit}: one line per call that changes state, once it is
 * answered, and one per refused admin token. Who: the admin token is one shared token, so {@code actor} is
 * {@code admin} and {@code client} the caller's address; a call made with a console operator user's session
 * credential names that user instead ({@code user:ops@example.com}, see {@link #actor}). What: the method and path, the resource (the path's id),
 * what the call created (an id, a display prefix, ledger transfers), and the change as the request's own fields,
 * taken from a fixed list that holds no secret (never a key, a token or a redeem code), then the answer's status.
 */
public final class Audit {
  private static final Logger LOG = LoggerFactory.getLogger(LogSetup.AUDIT);
  private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
  /** The request fields a line may repeat: amounts, buckets, scopes, limits, names. Anything else is left out. */
  private static final List<String> CHANGE_FIELDS = List.of("name", "bucket", "from", "to", "amount", "amount_micros",
      "rate", "overdraft_micros", "uses", "expires_at_ms", "expires_at", "idempotency_key", "scope", "subject", "model", "route_type",
      "metric", "window", "cap", "models", "route_types", "allow_bucket_change");

  /** Where {@link #actor} keeps a call's actor on its routing context. */
  private static final String ACTOR = "tollgate.audit.actor";

  private Audit() {}

  /**
   * Names who makes this admin call when it is not the admin token's holder: the authentication step, having checked
   * the credential that identifies them, sets it before any handler runs.
   */
  public static void actor(RoutingContext ctx, String actor) {
    ctx.put(ACTOR, java.util.Objects.requireNonNull(actor, "actor"));
  }

  /**
   * Answers as {@link Requests#respond} does; a call that changes state (any method but GET, HEAD and OPTIONS) then
   * writes its audit line.
   */
  public static void respond(Vertx vertx, RoutingContext ctx, int status, Callable<Object> work,
      Function<Throwable, Throwable> failures) {
    boolean changes = !READS.contains(ctx.request().method());
    // logged before the answer goes out: whoever sees the answer can already find its line
    Requests.respond(vertx, ctx, status, work, failures, (answer, result) -> {
      if (changes) {
        changed(ctx, answer, result);
      }
    });
  }

  /** A call refused for a missing or wrong admin token. */
  public static void refused(RoutingContext ctx) {
    LoggingEventBuilder line = LOG.atWarn().setMessage(ctx.request().method().name() + " " + ctx.request().path()
        + " 401 (admin token refused)");
    line.addKeyValue("actor", "unauthenticated");
    common(line, ctx, 401);
  }

  private static void changed(RoutingContext ctx, int status, Object result) {
    LoggingEventBuilder line = LOG.atInfo().setMessage(ctx.request().method().name() + " " + ctx.request().path() + " " + status);
    String actor = ctx.get(ACTOR);
    line.addKeyValue("actor", actor == null ? "admin" : actor);
    String resource = ctx.pathParam("id");
    if (resource != null) {
      line.addKeyValue("resource", resource);
    }
    if (result != null) {
      created(line, Json.MAPPER.valueToTree(result), resource);
    }
    String change = change(ctx);
    if (!change.isEmpty()) {
      line.addKeyValue("change", change);
    }
    common(line, ctx, status);
  }

  private static void common(LoggingEventBuilder line, RoutingContext ctx, int status) {
    SocketAddress client = ctx.request().remoteAddress();
    line.addKeyValue("client", client == null ? "-" : client.hostAddress() != null ? client.hostAddress() : client.host());
    line.addKeyValue("method", ctx.request().method().name());
    line.addKeyValue("path", ctx.request().path());
    line.addKeyValue("status", status);
    line.log();
  }

  /** What the call made: its id (or display prefix, for a redeem code) and the ledger transfers it wrote. */
  private static void created(LoggingEventBuilder line, JsonNode result, String resource) {
    String id = result.path("id").isTextual() ? result.path("id").asText()
        : result.path("prefix").isTextual() ? result.path("prefix").asText() : null;
    if (id != null && !id.equals(resource)) {
      line.addKeyValue("created", id);
    }
    JsonNode transfers = result.path("transfer_ids");
    if (transfers.isArray() && !transfers.isEmpty()) {
      StringJoiner ids = new StringJoiner(",");
      transfers.forEach(t -> ids.add(t.asText()));
      line.addKeyValue("transfers", ids.toString());
    }
  }

  /** The request's listed fields as {@code name=value}, space separated; empty without a JSON object body. */
  private static String change(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body() == null ? null : ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      return "";
    }
    if (body == null) {
      return "";
    }
    StringJoiner out = new StringJoiner(" ");
    for (String field : CHANGE_FIELDS) {
      Object value = body.getValue(field);
      if (value != null) {
        out.add(field + "=" + (value instanceof String text ? text : Json.write(value instanceof JsonObject o ? o.getMap()
            : value instanceof io.vertx.core.json.JsonArray a ? a.getList() : value)));
      }
    }
    return out.toString();
  }
}

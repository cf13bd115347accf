package io.tollgate.http;

import io.tollgate.admin.AdminApi;
import io.tollgate.catalog.ModelsHandler;
import io.tollgate.catalog.RoutesHandler;
import io.tollgate.catalog.CatalogHandler;
import io.tollgate.quote.QuoteHandler;
import io.tollgate.health.ChannelsAdmin;
import io.tollgate.config.ConfigHolder;
import io.tollgate.ledger.AdminMoney;
import io.tollgate.ledger.WalletApi;
import io.tollgate.limits.LimitsApi;
import io.tollgate.metrics.GatewayMetrics;
import io.tollgate.proxy.ProxyHandler;
import io.tollgate.receipts.ReceiptsHandler;
import io.tollgate.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;

/** One HTTP server instance on one event loop; several share the port. The handlers are shared and thread-safe. */
public final class HttpVerticle extends VerticleBase {
  /** The handlers every instance mounts. */
  public record Routes(ConfigHolder config, Store store, ProxyHandler proxy, ModelsHandler models,
      ReceiptsHandler receipts, RoutesHandler routePlans, WalletApi wallet, LimitsApi limits, AdminApi admin,
      AdminMoney adminMoney, ChannelsAdmin channels, QuoteHandler quotes, CatalogHandler catalog, GatewayMetrics metrics,
      java.util.function.Consumer<Router> features) {}

  private final Routes routes;
  private final int port;
  private volatile List<Route> mounted = List.of();
  private final Connections connections;

  /** @param connections shared by every instance: the caps count connections across all of them */
  public HttpVerticle(Routes routes, int port, Connections connections) {
    this.routes = routes;
    this.port = port;
    this.connections = connections;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.metrics().mountRecorder(router);
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(this::ready);
    OpenApiDocument.json(); // read now: a document that does not parse stops the start, not a request
    router.get("/openapi.json").handler(OpenApiDocument::serve);
    router.route().handler(QueryString::check);
    router.route().handler(JsonContentType::check);
    long bodyLimit = routes.config().current().maxBodyBytes();
    router.route().handler(ctx -> {
      // a chunked body has no Content-Length to refuse early: the body handler stops it at this limit, and the
      // failure handler names the limit from here
      ctx.put(ErrorRenderer.BODY_LIMIT, bodyLimit);
      rejectOversized(ctx);
    });
    router.route().handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    router.post("/v1/chat/completions").handler(routes.quotes()::dryRun);
    router.post("/v1/chat/completions").handler(routes.proxy()::chat);
    router.post("/v1/quote").handler(routes.quotes()::quote);
    router.get("/v1/catalog").handler(routes.catalog()::handle);
    router.post("/v1/embeddings").handler(routes.quotes()::dryRun);
    router.post("/v1/embeddings").handler(routes.proxy()::embeddings);
    router.post("/v1/messages").handler(io.tollgate.quote.QuoteHandler::noDryRun);
    router.post("/v1/messages").handler(routes.proxy()::messages);
    router.post("/v1/messages/count_tokens").handler(routes.proxy()::countTokens);
    // Anthropic's clients read Anthropic's error shape, also for a failure before the handler (a body too large)
    router.route("/v1/messages*").failureHandler(io.tollgate.providers.anthropic.AnthropicErrors::handle);
    router.get("/v1/models").handler(routes.models()::list);
    router.get("/v1/models/:id").handler(routes.models()::one);
    router.get("/v1/routes/:model").handler(routes.routePlans()::handle);
    router.get("/v1/receipts").handler(routes.receipts()::list);
    router.get("/v1/receipts/:id").handler(routes.receipts()::one);
    router.get("/v1/usage").handler(routes.receipts()::usage);
    routes.wallet().mount(router);
    routes.limits().mountPublic(router);
    routes.admin().mount(router);
    routes.adminMoney().mount(router);
    routes.limits().mountAdmin(router);
    routes.channels().mount(router);
    routes.metrics().mountScrape(router);
    // rooms wired in app (the researcher) mount their own routes: this package imports none of them
    routes.features().accept(router);
    // no route matched the path (404) or none its method (405): the router asks these, never a route
    router.errorHandler(404, HttpVerticle::routeError);
    router.errorHandler(405, HttpVerticle::routeError);
    router.route().failureHandler(ErrorRenderer::handle);
    mounted = List.copyOf(router.getRoutes());
    return vertx.createHttpServer(serverOptions())
        .connectionHandler(connection -> ConnectionGuard.install(connection, connections))
        // the guard answers every request the decoder refuses; this is the fallback should one get past it
        .invalidRequestHandler(request -> ErrorRenderer.send(request.response(),
            ConnectionErrors.malformedHead(request.decoderResult().cause())))
        .exceptionHandler(failure -> connections.errors().record("connection_" + failure.getClass().getSimpleName()))
        .requestHandler(router)
        .listen(port);
  }

  /** The routes this instance serves, in the router's order; {@code /openapi.json} is checked against them. */
  public List<Route> routes() {
    return mounted;
  }

  /**
   * Plain-text HTTP/1.1 (and 1.0) only: every connection then passes through the {@link ConnectionGuard}. No h2c,
   * whose upgraded connections would bypass it; TLS and HTTP/2 belong to a reverse proxy in front.
   */
  private static HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        .setTcpNoDelay(true)
        .setHost("0.0.0.0")
        .setHttp2ClearTextEnabled(false)
        .setMaxInitialLineLength(ConnectionErrors.MAX_REQUEST_LINE_BYTES)
        .setMaxHeaderSize(ConnectionErrors.MAX_HEAD_BYTES);
  }

  private void ready(RoutingContext ctx) {
    boolean storeOpen = routes.store().isOpen();
    boolean configLoaded = routes.config().current() != null;
    JsonObject body = new JsonObject().put("store", storeOpen ? "open" : "closed").put("config", configLoaded ? "loaded" : "missing");
    ctx.response().setStatusCode(storeOpen && configLoaded ? 200 : 503);
    ctx.json(body.put("status", storeOpen && configLoaded ? "ready" : "not_ready"));
  }

  /** Refuses a body the Content-Length already says is too large, before reading a byte of it. */
  private void rejectOversized(RoutingContext ctx) {
    String length = ctx.request().getHeader("content-length");
    long limit = routes.config().current().maxBodyBytes();
    if (length != null) {
      try {
        if (Long.parseLong(length.trim()) > limit) {
          ctx.response().putHeader("connection", "close");
          // through the failure handlers, so each route family answers in its own error shape
          ctx.fail(ApiException.tooLarge(limit));
          return;
        }
      } catch (NumberFormatException e) {
        ErrorRenderer.send(ctx.response(), ApiException.invalid(null, "invalid_content_length", "Content-Length is not a number."));
        return;
      }
    }
    ctx.next();
  }

  /** No route for the path (404) or the method (405): in Anthropic's shape under /v1/messages, OpenAI's elsewhere. */
  private static void routeError(io.vertx.ext.web.RoutingContext ctx) {
    if (ctx.request().path().startsWith("/v1/messages")) {
      io.tollgate.providers.anthropic.AnthropicErrors.handle(ctx);
    } else {
      ErrorRenderer.handle(ctx);
    }
  }
}

package io.tollgate.console;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/**
 * The playground and the catalog. A playground chat goes through {@code POST /v1/chat/completions}, streamed, as the
 * session's key: the page shows the answer as it arrives and then that request's own receipt. The catalog shows
 * {@code GET /v1/catalog} and previews a typed request with {@code POST /v1/quote}, the same quote a client gets.
 */
final class PlaygroundPages {
  private final ConsoleRoutes console;
  private final Loopback api;

  PlaygroundPages(ConsoleRoutes console, Loopback api) {
    this.console = console;
    this.api = api;
  }

  void mount(Router router) {
    console.member(router, HttpMethod.GET, "/console/playground", this::playground);
    console.member(router, HttpMethod.POST, "/console/playground/chat", this::chat);
    console.member(router, HttpMethod.GET, "/console/catalog", (ctx, s) -> catalog(s, Form.EMPTY, null, ""));
    console.member(router, HttpMethod.POST, "/console/catalog/quote", this::quote);
    console.member(router, HttpMethod.GET, "/console/catalog/:model", this::route);
  }

  private Future<List<String>> models(Session session) {
    return MemberPages.ok(api.get("/v1/models", session.bearer())).map(models -> {
      List<String> ids = new ArrayList<>();
      models.getJsonArray("data", new JsonArray()).forEach(m -> ids.add(((JsonObject) m).getString("id")));
      return ids;
    });
  }

  /** The model and route type fields, with {@code form}'s earlier choices selected. */
  private static String modelSelect(List<String> models, Form form) {
    StringBuilder out = new StringBuilder("<label for=\"model\">Model</label><select id=\"model\" name=\"model\">");
    models.forEach(m -> out.append("<option").append(m.equals(form.model()) ? " selected" : "").append('>').append(Html.e(m)).append("</option>"));
    out.append("</select><label for=\"route_type\">Route type</label><select id=\"route_type\" name=\"route_type\">");
    for (String[] type : new String[][] {{"", "the key's preference"}, {"routed", "routed"}, {"official", "official"}}) {
      out.append("<option value=\"").append(type[0]).append('"').append(type[0].equals(form.routeType()) ? " selected" : "")
          .append('>').append(type[1]).append("</option>");
    }
    return out.append("</select>").toString();
  }

  /** What the route preview was asked, shown again beside its answer. */
  private record Form(String model, String routeType, String prompt, String maxTokens) {
    static final Form EMPTY = new Form("", "", "Hello!", "200");

    static Form of(RoutingContext ctx) {
      return new Form(Forms.text(ctx.request().getFormAttribute("model")), Forms.text(ctx.request().getFormAttribute("route_type")),
          Forms.text(ctx.request().getFormAttribute("prompt")), Forms.text(ctx.request().getFormAttribute("max_tokens")));
    }
  }

  private Future<String> playground(RoutingContext ctx, Session session) {
    return models(session).map(models -> Html.page("Playground", session,
        "<div class=\"grid\"><section class=\"card\"><form id=\"playground\" data-csrf=\"" + Html.e(session.csrf()) + "\">"
            + modelSelect(models, Form.EMPTY)
            + "<label for=\"message\">Message</label><textarea id=\"message\" name=\"message\" rows=\"4\" required>Hello!</textarea>"
            + "<label for=\"max_tokens\">Max tokens</label><input type=\"number\" id=\"max_tokens\" name=\"max_tokens\" value=\"200\" min=\"1\">"
            + "<button type=\"submit\">Send</button></form><h2>Answer</h2><div id=\"answer\" class=\"answer card\" aria-live=\"polite\"></div>"
            + "<p id=\"playground-status\" role=\"status\"></p></section>"
            + "<section id=\"receipt\" aria-live=\"polite\"><p class=\"empty\">The receipt of your request appears here.</p></section></div>"));
  }

  /** Relays the streamed answer of a real chat completion to the page, with its request id in a header. */
  private Future<String> chat(RoutingContext ctx, Session session) {
    JsonObject form;
    try {
      form = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      return Future.failedFuture(new PageException(400, "The playground sends JSON."));
    }
    if (form == null) {
      return Future.failedFuture(new PageException(400, "The playground sends JSON."));
    }
    JsonObject request = new JsonObject().put("model", form.getString("model")).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", form.getString("message", ""))));
    Object maxTokens = form.getValue("max_tokens");
    if (maxTokens != null && !maxTokens.toString().isBlank()) {
      try {
        request.put("max_tokens", Integer.parseInt(maxTokens.toString().trim()));
      } catch (NumberFormatException e) {
        return Future.failedFuture(new PageException(400, "Max tokens: '" + maxTokens + "' (expected: a whole number)"));
      }
    }
    // on the streams' own pool, bounded per session: a slow answer never holds a connection the pages need
    return console.eventStreams().pass(ctx, session,
        streams -> streams.open("/v1/chat/completions", session.bearer(), request, form.getString("route_type")),
        upstream -> {
          String requestId = upstream.getHeader("x-tollgate-request-id");
          if (requestId != null) {
            ctx.response().putHeader("x-tollgate-request-id", requestId);
          }
        });
  }

  private Future<String> catalog(Session session, Form form, String quoteHtml, String top) {
    Future<JsonObject> catalog = MemberPages.ok(api.get("/v1/catalog", session.bearer()));
    Future<List<String>> models = models(session);
    return Future.all(catalog, models).map(all -> Html.page("Catalog", session, top
        + "<section class=\"card\"><h2>Route preview</h2><form method=\"post\" action=\"/console/catalog/quote\">"
        + Html.csrfField(session) + modelSelect(models.result(), form)
        + "<label for=\"prompt\">Request</label><textarea id=\"prompt\" name=\"prompt\" rows=\"3\" required>" + Html.e(form.prompt())
        + "</textarea><label for=\"max_tokens\">Max tokens</label><input type=\"number\" id=\"max_tokens\" name=\"max_tokens\" value=\""
        + Html.e(form.maxTokens()) + "\" min=\"1\">"
        + "<button type=\"submit\">Preview the route</button></form>" + (quoteHtml == null ? "" : "<div id=\"quote\">" + quoteHtml + "</div>")
        + "</section><h2>Models</h2>" + models(catalog.result().getJsonArray("models", new JsonArray()))));
  }

  /** One row per model and route type: prices after the multiplier, backups and the primary's health. */
  private static String models(JsonArray catalog) {
    List<List<String>> rows = new ArrayList<>();
    for (Object m : catalog) {
      JsonObject model = (JsonObject) m;
      for (Object r : model.getJsonArray("routes", new JsonArray())) {
        JsonObject route = (JsonObject) r;
        JsonObject prices = route.getJsonObject("price_per_million_tokens", new JsonObject());
        JsonObject health = route.getJsonObject("health", new JsonObject());
        String id = model.getString("id");
        rows.add(List.of("<a href=\"/console/catalog/" + Html.e(Forms.url(id)) + "\">" + Html.e(id) + "</a>",
            Html.e(route.getString("route_type")), Html.e(route.getString("bucket")), Html.e(prices.getString("input")),
            Html.e(prices.getString("output")), Html.e(route.getValue("backups")), Html.e(health.getString("state"))));
      }
    }
    return Html.table(List.of("Model", "Route type", "Bucket", "Input per 1M tokens", "Output per 1M tokens", "Backups",
        "Health"), rows, "No model is open to this account's keys.");
  }

  /** One model's routes: every leg in order with its channel, upstream model, bucket and price, and the policy. */
  private Future<String> route(RoutingContext ctx, Session session) {
    String model = ctx.pathParam("model");
    return MemberPages.ok(api.get("/v1/routes/" + Forms.url(model), session.bearer())).map(routes -> Html.page("Catalog", session,
        "<p><a href=\"/console/catalog\">← All models</a></p><h2>" + Html.e(model) + "</h2><div class=\"card\">"
            + new JsonView(console.zone()).render(routes, null) + "</div>"));
  }

  private Future<String> quote(RoutingContext ctx, Session session) {
    Form form = Form.of(ctx);
    JsonObject body = new JsonObject().put("model", form.model())
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", form.prompt())));
    if (form.maxTokens().matches("\\d{1,9}")) {
      body.put("max_tokens", Integer.parseInt(form.maxTokens()));
    }
    return api.post("/v1/quote", session.bearer(), body, form.routeType())
        .compose(reply -> catalog(session, form, reply.ok() ? QuoteView.render(reply.json(), console.zone()) : null,
            reply.ok() ? "" : Html.notice(reply.error(), true)));
  }
}

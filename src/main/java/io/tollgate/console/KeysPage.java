package io.tollgate.console;

import io.tollgate.auth.ApiKey;
import io.tollgate.auth.IssuedKey;
import io.tollgate.auth.KeyScope;
import io.tollgate.auth.KeySql;
import io.tollgate.auth.Keys;
import io.tollgate.config.RouteType;
import io.tollgate.store.StoreAccess;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The keys of the member's project: create one with its scope (models, route types) and its own limits (spend,
 * tokens and requests, per day and per month, {@link KeyLimitsForm}), shown once
 * with a copy button; revoke one. Keys are made and revoked by the same {@link Keys} the admin API uses; a key's own
 * limit is set through {@code POST /v1/limits} as that key, as its owner would.
 */
final class KeysPage {
  private final ConsoleRoutes console;
  private final Loopback api;
  private final Keys keys;
  private final StoreAccess store;

  KeysPage(ConsoleRoutes console, Loopback api, Keys keys, StoreAccess store) {
    this.console = console;
    this.api = api;
    this.keys = keys;
    this.store = store;
  }

  void mount(Router router) {
    console.member(router, HttpMethod.GET, "/console/keys", (ctx, s) -> list(s, ""));
    console.member(router, HttpMethod.POST, "/console/keys", this::create);
    console.member(router, HttpMethod.POST, "/console/keys/:id/revoke", this::revoke);
  }

  private record Listed(List<ApiKey> keys, List<io.tollgate.limits.Limit> limits) {}

  private Future<String> list(Session session, String top) {
    return store.read(c -> new Listed(KeySql.list(c, session.projectId()), io.tollgate.limits.LimitSql.all(c))).map(listed -> {
      List<List<String>> rows = new ArrayList<>();
      for (ApiKey key : listed.keys()) {
        List<io.tollgate.limits.Limit> own = listed.limits().stream().filter(l -> key.id().equals(l.subject())
            && (l.scope() == io.tollgate.limits.Scope.KEY || l.scope() == io.tollgate.limits.Scope.ROUTE_KEY)).toList();
        boolean live = !key.revoked() && !key.expired(console.nowMs());
        rows.add(List.of(Html.e(key.name()), "<span class=\"mono\">" + Html.e(key.prefix()) + "…</span>",
            Html.e(key.scope().models().isEmpty() ? "all models" : String.join(", ", key.scope().models())),
            Html.e(String.join(", ", key.scope().routeTypes().stream().map(RouteType::wireName).toList())),
            KeyLimitsForm.describe(own), Html.time(key.createdAtMs(), console.zone()),
            key.revoked() ? "revoked" : !live ? "expired" : "<form method=\"post\" action=\"/console/keys/" + Html.e(key.id())
                + "/revoke\">" + Html.csrfField(session) + "<button type=\"submit\" class=\"danger\" aria-label=\"Revoke "
                + Html.e(key.name()) + "\">Revoke</button></form>"));
      }
      return Html.page("Keys", session, top + "<section class=\"card\"><h2>Create a key</h2>"
          + "<form method=\"post\" action=\"/console/keys\">" + Html.csrfField(session)
          + "<label for=\"name\">Name</label><input type=\"text\" id=\"name\" name=\"name\" required maxlength=\"100\">"
          + "<label for=\"models\">Models (comma-separated; empty for all)</label><input type=\"text\" id=\"models\" name=\"models\">"
          + "<fieldset><legend>Route types</legend><label><input type=\"checkbox\" name=\"route_types\" value=\"routed\" checked> routed</label>"
          + "<label><input type=\"checkbox\" name=\"route_types\" value=\"official\" checked> official</label></fieldset>"
          + KeyLimitsForm.fieldset()
          + "<button type=\"submit\">Create key</button></form></section><h2>Keys of this project</h2>"
          + Html.table(List.of("Name", "Prefix", "Models", "Route types", "Own limits", "Created", ""), rows, "No keys yet."));
    });
  }

  private Future<String> create(RoutingContext ctx, Session session) {
    String name = Forms.text(ctx.request().getFormAttribute("name"));
    List<String> models = Arrays.stream(Forms.text(ctx.request().getFormAttribute("models")).split(","))
        .map(String::trim).filter(m -> !m.isEmpty()).toList();
    List<RouteType> routeTypes = new ArrayList<>();
    for (String type : ctx.request().formAttributes().getAll("route_types")) {
      routeTypes.add(RouteType.parse(type));
    }
    if (name.isEmpty() || routeTypes.isEmpty() || routeTypes.contains(null)) {
      return list(session, Html.notice("A key needs a name and at least one route type.", true));
    }
    KeyLimitsForm.Parsed limits = KeyLimitsForm.parse(ctx, console.nowMs());
    if (limits.error() != null) {
      return list(session, Html.notice(limits.error(), true));
    }
    return console.vertx().executeBlocking(() -> keys.create(session.projectId(), name, new KeyScope(models, routeTypes)), false)
        .compose(issued -> ownLimits(issued, limits.limits(), 0).transform(set -> set.succeeded()
            ? list(session, created(issued))
            // a key without the limits its owner asked for is not left live: revoke it again and say why
            : console.revoke(issued.key().id()).compose(revoked -> list(session, Html.notice("The key was not kept: "
                + set.cause().getMessage() + " It was revoked again; fix the limit and create the key anew.", true)))));
  }

  private static String created(IssuedKey issued) {
    return "<section class=\"card created\" role=\"status\"><h2>Key created</h2>"
        + "<p>Copy it now: it is shown once, and only its hash is kept.</p><code class=\"secret\" id=\"new-key\">"
        + Html.e(issued.secret()) + "</code><button type=\"button\" class=\"secondary\" data-copy=\"new-key\">Copy</button></section>";
  }

  /** Sets the new key's own limits, one after another, as the key itself ({@code POST /v1/limits}). */
  private Future<IssuedKey> ownLimits(IssuedKey issued, List<JsonObject> limits, int next) {
    if (next == limits.size()) {
      return Future.succeededFuture(issued);
    }
    return api.post("/v1/limits", "Bearer " + issued.secret(), limits.get(next)).compose(reply -> reply.ok()
        ? ownLimits(issued, limits, next + 1)
        : Future.failedFuture(new PageException(400, "Its limit was refused: " + reply.error() + ".")));
  }

  private Future<String> revoke(RoutingContext ctx, Session session) {
    String id = ctx.pathParam("id");
    return store.read(c -> KeySql.byId(c, id)).compose(key -> {
      if (key.isEmpty() || !key.get().accountId().equals(session.accountId())) {
        return Future.failedFuture(PageException.notFound("Key '" + id + "'"));
      }
      return console.revoke(id).map(done -> {
        ConsoleRoutes.redirect(ctx, "/console/keys");
        return "";
      });
    });
  }
}

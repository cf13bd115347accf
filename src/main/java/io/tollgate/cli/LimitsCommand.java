package io.tollgate.cli;

import io.tollgate.http.ApiException;
import io.tollgate.limits.Limit;
import io.tollgate.limits.LimitSql;
import io.tollgate.limits.Limits;
import io.tollgate.limits.LimitsApi;
import io.tollgate.store.Store;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tollgate limits set|list|clear}: tenant limits (route and channel limits live in the YAML file). */
@Command(name = "limits", mixinStandardHelpOptions = true,
    description = "Set, list and clear account, project, key, route x key and route x project limits.")
final class LimitsCommand {
  @Mixin
  DataOption data;

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = {"Set a limit (replacing the cap of an existing one of the same shape).",
          "Refused while a gateway serves the data directory: use its admin API (POST /admin/limits), or stop it first."})
  int set(
      @Option(names = "--scope", required = true, paramLabel = "SCOPE", description = "account, project, key, route_key or route_project.") String scope,
      @Option(names = "--subject", required = true, paramLabel = "ID", description = "The account, project or key id.") String subject,
      @Option(names = "--metric", required = true, paramLabel = "METRIC", description = "spend, tokens or requests.") String metric,
      @Option(names = "--window", required = true, paramLabel = "WINDOW", description = "minute, day, month or lifetime.") String window,
      @Option(names = "--cap", required = true, paramLabel = "CAP",
          description = "For spend a decimal amount of the bucket's currency (10.50); otherwise a whole number.") String cap,
      @Option(names = "--bucket", paramLabel = "BUCKET", description = "CREDIT or RMB (spend limits).") String bucket,
      @Option(names = "--model", paramLabel = "ID", description = "Catalog model (route limits).") String model,
      @Option(names = "--route-type", paramLabel = "TYPE", description = "official or routed (route limits).") String routeType) {
    JsonObject body = new JsonObject().put("scope", scope).put("subject", subject).put("metric", metric).put("window", window)
        .put("bucket", bucket).put("model", model).put("route_type", routeType);
    if ("spend".equals(metric)) {
      body.put("cap", cap);
    } else {
      try {
        body.put("cap", Long.parseLong(cap));
      } catch (NumberFormatException e) {
        System.err.println("error: --cap " + cap + " (expected: a whole number of " + metric + ")");
        return 1;
      }
    }
    try (Store store = data.open()) {
      Limit limit = LimitsApi.set(store, new Limits(store, Clock.systemUTC()), body, System.currentTimeMillis());
      System.out.println(limit.id() + "\t" + limit.label() + "\tcap " + limit.cap() + (limit.bucket() == null ? "" : " micros " + limit.bucket()));
      return 0;
    } catch (ApiException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List stored limits.")
  int list(@Option(names = "--subject", paramLabel = "ID", description = "Only this account, project or key.") String subject) {
    try (Store store = data.openReadOnly()) {
      for (Limit limit : store.read(LimitSql::all)) {
        if (subject == null || subject.equals(limit.subject())) {
          System.out.println(limit.id() + "\t" + limit.label() + "\t" + limit.subject()
              + (limit.model() == null ? "" : "\t" + limit.model() + "/" + limit.routeType().wireName())
              + "\tcap " + limit.cap() + (limit.bucket() == null ? "" : " micros " + limit.bucket()) + "\t" + limit.source());
        }
      }
      return 0;
    }
  }

  @Command(name = "clear", mixinStandardHelpOptions = true, description = "Remove a stored limit.")
  int clear(@Parameters(paramLabel = "ID", description = "The limit id (lim_...).") String id) {
    try (Store store = data.open()) {
      if (!store.writeNow(c -> LimitSql.delete(c, id))) {
        System.err.println("error: no stored limit '" + id + "'");
        return 1;
      }
      System.out.println("cleared " + id);
      return 0;
    }
  }
}

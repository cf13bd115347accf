package io.tollgate.cli;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate admin ...}: what an operator does daily, through a running gateway's admin API (which owns the
 * store while it runs). The gateway's URL and the admin token come from {@code --url} / {@code TOLLGATE_URL} and
 * {@code TOLLGATE_ADMIN_TOKEN} (an option would show the token in the process list). Answers print as JSON.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = {"Operate a running gateway through its admin API: top-ups, adjustments, wallets, receipts, usage,",
        "channels, redeem codes, configuration reload. Set TOLLGATE_ADMIN_TOKEN to the admin token."})
final class AdminCommand {
  @Option(names = "--url", paramLabel = "URL", scope = picocli.CommandLine.ScopeType.INHERIT, description = "The gateway's base URL (default: $TOLLGATE_URL or http://127.0.0.1:8080).")
  String url;

  /** For tests and scripts that cannot set the environment; prefer TOLLGATE_ADMIN_TOKEN. */
  @Option(names = "--admin-token", hidden = true, scope = picocli.CommandLine.ScopeType.INHERIT)
  String token;

  private AdminClient client() {
    String base = url != null ? url : System.getenv().getOrDefault("TOLLGATE_URL", "http://127.0.0.1:8080");
    return new AdminClient(base, token != null ? token : System.getenv("TOLLGATE_ADMIN_TOKEN"));
  }

  @Command(name = "topup", mixinStandardHelpOptions = true, description = "Top up an account's wallet in one bucket.")
  int topup(@Parameters(paramLabel = "ACCOUNT", description = "The account's id (acct_...).") String account,
      @Option(names = "--bucket", required = true, paramLabel = "BUCKET", description = "CREDIT or RMB.") String bucket,
      @Option(names = "--amount", required = true, paramLabel = "AMOUNT", description = "A decimal amount, such as 25.00.") String amount,
      @Option(names = "--idempotency-key", required = true, paramLabel = "KEY", description = "Repeating it never tops up twice.") String key,
      @Option(names = "--note", paramLabel = "TEXT", description = "Kept on the transfer.") String note) {
    return print(client().post("/admin/accounts/" + account + "/topups", new JsonObject().put("bucket", bucket)
        .put("amount", amount).put("idempotency_key", key).put("note", note)));
  }

  @Command(name = "adjust", mixinStandardHelpOptions = true, description = "Correct a wallet by a signed amount, with a note.")
  int adjust(@Parameters(paramLabel = "ACCOUNT", description = "The account's id (acct_...).") String account,
      @Option(names = "--bucket", required = true, paramLabel = "BUCKET", description = "CREDIT or RMB.") String bucket,
      @Option(names = "--amount-micros", required = true, paramLabel = "MICROS", description = "Signed micro-units; negative debits.") long micros,
      @Option(names = "--idempotency-key", required = true, paramLabel = "KEY", description = "Repeating it never adjusts twice.") String key,
      @Option(names = "--note", required = true, paramLabel = "TEXT", description = "Why: every correction is explained.") String note) {
    return print(client().post("/admin/accounts/" + account + "/adjustments", new JsonObject().put("bucket", bucket)
        .put("amount_micros", micros).put("idempotency_key", key).put("note", note)));
  }

  @Command(name = "wallet", mixinStandardHelpOptions = true, description = "An account's balances, holds and overdrafts.")
  int wallet(@Parameters(paramLabel = "ACCOUNT", description = "The account's id (acct_...).") String account) {
    return print(client().get("/admin/accounts/" + account + "/wallet", Map.of()));
  }

  @Command(name = "receipts", mixinStandardHelpOptions = true, description = "List receipts (newest first), or show one by id.")
  int receipts(@Parameters(paramLabel = "ID", arity = "0..1", description = "A request id to show.") String id,
      @Option(names = "--project", paramLabel = "ID", description = "Only this project's.") String project,
      @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "1 to 100 (default ${DEFAULT-VALUE}).") int limit,
      @Option(names = "--after", paramLabel = "ID", description = "The last id of the previous page.") String after) {
    if (id != null) {
      return print(client().get("/admin/receipts/" + id, Map.of()));
    }
    Map<String, String> query = new LinkedHashMap<>();
    query.put("project_id", project);
    query.put("limit", Integer.toString(limit));
    query.put("after", after);
    return print(client().get("/admin/receipts", query));
  }

  @Command(name = "usage", mixinStandardHelpOptions = true, description = "Usage summed from receipts, per bucket.")
  int usage(@Option(names = "--from", paramLabel = "DAY", description = "First day, YYYY-MM-DD (default: the month's first).") String from,
      @Option(names = "--to", paramLabel = "DAY", description = "Last day, YYYY-MM-DD (default: today).") String to,
      @Option(names = "--group-by", paramLabel = "FIELDS", defaultValue = "day", description = "day, key, project, model, route_type (default ${DEFAULT-VALUE}).") String groupBy,
      @Option(names = "--project", paramLabel = "ID", description = "Only this project's usage.") String project) {
    Map<String, String> query = new LinkedHashMap<>();
    query.put("from", from);
    query.put("to", to);
    query.put("group_by", groupBy);
    query.put("project_id", project);
    return print(client().get("/admin/usage", query));
  }

  @Command(name = "channels", mixinStandardHelpOptions = true, description = "Every channel's health and breaker state.")
  int channels() {
    return print(client().get("/admin/channels", Map.of()));
  }

  @Command(name = "redeem-code", mixinStandardHelpOptions = true, description = "Create a redeem code; its text is shown once.")
  int redeemCode(@Option(names = "--bucket", required = true, paramLabel = "BUCKET", description = "CREDIT or RMB.") String bucket,
      @Option(names = "--amount", required = true, paramLabel = "AMOUNT", description = "A decimal amount per redemption.") String amount,
      @Option(names = "--uses", paramLabel = "N", defaultValue = "1", description = "How many accounts may redeem it (default ${DEFAULT-VALUE}).") long uses) {
    return print(client().post("/admin/redeem-codes", new JsonObject().put("bucket", bucket).put("amount", amount)
        .put("uses", uses)));
  }

  @Command(name = "reload", mixinStandardHelpOptions = true, description = "Reload the gateway's configuration file.")
  int reload() {
    return print(client().post("/admin/config/reload", new JsonObject()));
  }

  private static int print(JsonObject answer) {
    System.out.println(answer.encodePrettily());
    return 0;
  }
}

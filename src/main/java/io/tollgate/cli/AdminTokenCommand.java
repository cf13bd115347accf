package io.tollgate.cli;

import io.tollgate.auth.AdminToken;
import io.tollgate.store.Store;
import io.tollgate.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tollgate admin-token rotate}: a new admin token for a stopped gateway's database. A running gateway owns its
 * database, so this is refused beside it; the gateway rotates its own through {@code POST /admin/token/rotate},
 * authenticated with the current token, and takes the new one at once.
 */
@Command(name = "admin-token", mixinStandardHelpOptions = true, description = "Manage the operator's admin token.")
final class AdminTokenCommand {
  @Mixin
  DataOption data;

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {"Create a new admin token and print it once; the previous one stops working.",
          "Refused while a gateway serves the data directory: rotate through its admin API",
          "(POST /admin/token/rotate with the current token), or stop it first."})
  int rotate() {
    try (Store store = data.open()) {
      String token = AdminToken.rotate(store);
      System.out.println("Admin token (shown once, store it now): " + token);
      System.out.println("The previous admin token of " + data.file() + " no longer works.");
      return 0;
    } catch (StoreException e) {
      System.err.println("error: " + e.getMessage());
      if (e.ownedElsewhere()) {
        System.err.println("To rotate while it serves: curl -X POST http://HOST:PORT/admin/token/rotate"
            + " -H 'Authorization: Bearer tga-<the current token>' (POST /admin/token/rotate; the new token is in the answer).");
      }
      return 1;
    }
  }
}

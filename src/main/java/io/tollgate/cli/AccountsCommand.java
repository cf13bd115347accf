package io.tollgate.cli;

import io.tollgate.store.Store;
import io.tollgate.tenants.Account;
import io.tollgate.tenants.Tenants;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tollgate accounts create|list}. */
@Command(name = "accounts", mixinStandardHelpOptions = true, description = "Create and list accounts (customers).")
final class AccountsCommand {
  @Mixin
  DataOption data;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an account.")
  int create(@Parameters(paramLabel = "NAME", description = "Display name.") String name) {
    try (Store store = data.open()) {
      Account account = new Tenants(store, Clock.systemUTC()).createAccount(name);
      System.out.println(account.id() + "\t" + account.name());
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List accounts.")
  int list() {
    try (Store store = data.openReadOnly()) {
      for (Account account : new Tenants(store, Clock.systemUTC()).accounts()) {
        System.out.println(account.id() + "\t" + account.name());
      }
      return 0;
    }
  }
}

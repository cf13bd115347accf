package io.tollgate.cli;

import io.tollgate.store.Store;
import io.tollgate.users.Role;
import io.tollgate.users.User;
import io.tollgate.users.Users;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tollgate users create|list|disable|enable|passwd}: the people who sign in to the console. */
@Command(name = "users", mixinStandardHelpOptions = true,
    description = "Create, list, disable and enable console users, and change their passwords.")
final class UsersCommand {
  @Mixin
  DataOption data;

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a console user. The password is read from the terminal (asked twice) or from the first"
          + " line of standard input; it is stored only as an Argon2id hash.")
  int create(@Option(names = "--account", paramLabel = "ID", description = "The member's account.") String account,
      @Option(names = "--email", required = true, paramLabel = "EMAIL") String email,
      @Option(names = "--operator", description = "An operator (sees every account); no --account.") boolean operator)
      throws IOException {
    String password = readPassword();
    if (password == null) {
      System.err.println("no password given");
      return 2;
    }
    try (Store store = data.open()) {
      User user = new Users(store, Clock.systemUTC()).create(account, email, password, operator ? Role.OPERATOR : Role.MEMBER);
      System.out.println(user.id() + "\t" + user.email() + "\t" + user.role().wireName()
          + (user.accountId() == null ? "" : "\t" + user.accountId()));
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List console users.")
  int list(@Option(names = "--account", paramLabel = "ID") String account) {
    try (Store store = data.openReadOnly()) {
      for (User user : new Users(store, Clock.systemUTC()).list(account)) {
        System.out.println(user.id() + "\t" + user.email() + "\t" + user.role().wireName()
            + (user.accountId() == null ? "" : "\t" + user.accountId()) + (user.disabled() ? "\tdisabled" : ""));
      }
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Disable a console user: they cannot sign in, and their sessions end at their next page.")
  int disable(@Option(names = "--email", required = true, paramLabel = "EMAIL", description = "The user's e-mail (or id).") String email) {
    return change(users -> users.disable(email));
  }

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Let a disabled console user sign in again.")
  int enable(@Option(names = "--email", required = true, paramLabel = "EMAIL", description = "The user's e-mail (or id).") String email) {
    return change(users -> users.enable(email));
  }

  @Command(name = "passwd", mixinStandardHelpOptions = true,
      description = "Set a console user's password, read as for create; every session of the user ends.")
  int passwd(@Option(names = "--email", required = true, paramLabel = "EMAIL", description = "The user's e-mail (or id).") String email)
      throws IOException {
    String password = readPassword();
    if (password == null) {
      System.err.println("no password given");
      return 2;
    }
    return change(users -> users.changePassword(email, password));
  }

  private int change(java.util.function.Function<Users, User> change) {
    try (Store store = data.open()) {
      User user = change.apply(new Users(store, Clock.systemUTC()));
      System.out.println(user.id() + "\t" + user.email() + "\t" + (user.disabled() ? "disabled" : "enabled"));
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      return 2;
    }
  }

  private static String readPassword() throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] first = console.readPassword("Password: ");
      char[] again = console.readPassword("Password again: ");
      if (first == null || again == null || !new String(first).equals(new String(again))) {
        System.err.println("the two passwords differ");
        return null;
      }
      return new String(first);
    }
    return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
  }
}

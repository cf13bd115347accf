package io.tollgate.cli;

import io.tollgate.store.Store;
import io.tollgate.tenants.Project;
import io.tollgate.tenants.Tenants;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tollgate projects create|list}. */
@Command(name = "projects", mixinStandardHelpOptions = true, description = "Create and list projects (groups of keys).")
final class ProjectsCommand {
  @Mixin
  DataOption data;

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a project in an account.")
  int create(
      @Option(names = "--account", required = true, paramLabel = "ID", description = "The account id (acct_...).") String account,
      @Parameters(paramLabel = "NAME", description = "Display name.") String name) {
    try (Store store = data.open()) {
      Project project = new Tenants(store, Clock.systemUTC()).createProject(account, name);
      System.out.println(project.id() + "\t" + project.accountId() + "\t" + project.name());
      return 0;
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List projects.")
  int list(@Option(names = "--account", paramLabel = "ID", description = "Only this account's projects.") String account) {
    try (Store store = data.openReadOnly()) {
      for (Project project : new Tenants(store, Clock.systemUTC()).projects(account)) {
        System.out.println(project.id() + "\t" + project.accountId() + "\t" + project.name());
      }
      return 0;
    }
  }
}

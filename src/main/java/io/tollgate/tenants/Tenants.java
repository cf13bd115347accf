package io.tollgate.tenants;

import io.tollgate.json.Ids;
import io.tollgate.store.Store;
import java.time.Clock;
import java.util.List;

/** Creates and lists accounts and projects; blocking, for the command line and admin calls on a worker. */
public final class Tenants {
  private final Store store;
  private final Clock clock;

  public Tenants(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  public Account createAccount(String name) {
    Account account = new Account(Ids.next("acct", clock.millis()), name, clock.millis());
    return store.writeNow(c -> TenantSql.insertAccount(c, account));
  }

  public List<Account> accounts() {
    return store.read(TenantSql::accounts);
  }

  /** Creates a project; throws {@link IllegalArgumentException} when the account does not exist. */
  public Project createProject(String accountId, String name) {
    store.read(c -> TenantSql.account(c, accountId))
        .orElseThrow(() -> new IllegalArgumentException("account '" + accountId + "' does not exist"));
    Project project = new Project(Ids.next("proj", clock.millis()), accountId, name, clock.millis());
    return store.writeNow(c -> TenantSql.insertProject(c, project));
  }

  public List<Project> projects(String accountId) {
    return store.read(c -> TenantSql.projects(c, accountId));
  }
}

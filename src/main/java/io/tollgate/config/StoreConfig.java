package io.tollgate.config;

/**
 * The {@code store:} section: which engine keeps the journal and the tenants' state. Read at start-up only; a reload
 * that changes it is served on, and the change takes effect at the next restart (only {@code sync} follows a reload).
 *
 * @param kind {@code sqlite} (the embedded file in the data directory, the default) or {@code postgres}
 * @param url for postgres: {@code jdbc:postgresql://HOST:PORT/DATABASE}, optionally with {@code ?currentSchema=NAME}
 * @param user for postgres: the role, null to leave it to the URL
 * @param password for postgres: the role's password as {@code ${ENV_VAR}}, resolved; null for none
 * @param poolSize for postgres: reader connections of this process (the writer has one more)
 * @param node for postgres: this process's name in the shared journal, unique among the gateways on the database;
 *     null for a name made up at each start (then only expiry resolves the holds a stop leaves open)
 */
public record StoreConfig(String kind, String url, String user, String password, int poolSize, String node) {
  public static final StoreConfig SQLITE = new StoreConfig("sqlite", null, null, null, 4, null);

  public boolean postgres() {
    return "postgres".equals(kind);
  }
}

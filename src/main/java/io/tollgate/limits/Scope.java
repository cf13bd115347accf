package io.tollgate.limits;

import java.util.Locale;

/** Whose usage a limit counts. */
public enum Scope {
  ACCOUNT, PROJECT, KEY, ROUTE, ROUTE_KEY, ROUTE_PROJECT, CHANNEL, RUN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Scope parse(String name) {
    for (Scope s : values()) {
      if (s.wireName().equalsIgnoreCase(name)) {
        return s;
      }
    }
    return null;
  }

  /** Scopes an operator sets per tenant through the admin API or the CLI (the others live in the YAML file). */
  public boolean tenantScoped() {
    return this == ACCOUNT || this == PROJECT || this == KEY || this == ROUTE_KEY || this == ROUTE_PROJECT;
  }
}

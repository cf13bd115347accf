package io.tollgate.users;

import java.util.Locale;

/** What a console user may see: a member only their account; an operator every account and the operator pages. */
public enum Role {
  MEMBER,
  OPERATOR;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Role fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}

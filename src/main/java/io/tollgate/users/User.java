package io.tollgate.users;

/**
 * A console user; never carries the password or its hash.
 *
 * @param accountId the account a member belongs to; null for an operator
 */
public record User(String id, String accountId, String email, Role role, long createdAtMs) {
  public boolean operator() {
    return role == Role.OPERATOR;
  }
}

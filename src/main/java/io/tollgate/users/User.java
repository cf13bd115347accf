package io.tollgate.users;

/**
 * A console user; never carries the password or its hash.
 *
 * @param accountId the account a member belongs to; null for an operator
 * @param disabled whether the user is disabled: they cannot sign in
 * @param sessionEpoch bumped when the user is disabled or their password changes: a session signed in under an older
 *     one has ended
 */
public record User(String id, String accountId, String email, Role role, long createdAtMs, boolean disabled,
    long sessionEpoch) {
  public boolean operator() {
    return role == Role.OPERATOR;
  }
}

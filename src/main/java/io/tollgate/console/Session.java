package io.tollgate.console;

import io.tollgate.users.User;

/**
 * One signed-in browser, kept in the gateway's memory only.
 *
 * @param user the member or operator user; null when an operator signed in with the admin token
 * @param csrf the token every form and script post of this session must carry
 * @param projectId the project a member's pages show (the account's first)
 * @param keyId the session key minted at sign-in (revoked at sign-out); null for an operator
 * @param credential what the console presents to the JSON API: the session key, or the admin token
 * @param adminToken for an operator, the fingerprint of the admin token in force at sign-in: the session ends when the
 *     token is rotated. Null for a member.
 */
record Session(String id, User user, String accountId, String csrf, String projectId, String keyId, String credential,
    boolean operator, long expiresAtMs, String adminToken) {

  String who() {
    return user == null ? "operator (admin token)" : user.email();
  }

  /** Who this session is in the audit trail: {@code user:<e-mail>}, or {@code admin} for the admin token. */
  String actor() {
    return user == null ? "admin" : "user:" + user.email();
  }

  /** This session with its user as they are now (after their password changed). */
  Session withUser(User now) {
    return new Session(id, now, accountId, csrf, projectId, keyId, credential, operator, expiresAtMs, adminToken);
  }

  String bearer() {
    return "Bearer " + credential;
  }
}

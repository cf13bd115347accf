package io.tollgate.auth;

/**
 * A stored API key. The secret itself is never kept: only its SHA-256 hash and a display prefix.
 *
 * @param expiresAtMs when the key stops working, or null for never
 */
public record ApiKey(
    String id,
    String projectId,
    String accountId,
    String name,
    String prefix,
    byte[] secretHash,
    KeyScope scope,
    long createdAtMs,
    Long revokedAtMs,
    Long expiresAtMs) {

  public boolean revoked() {
    return revokedAtMs != null;
  }

  public boolean expired(long nowMs) {
    return expiresAtMs != null && nowMs >= expiresAtMs;
  }

  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", prefix=" + prefix + ", project=" + projectId + "]";
  }
}

package io.tollgate.auth;

/** A stored API key. The secret itself is never kept: only its SHA-256 hash and a display prefix. */
public record ApiKey(
    String id,
    String projectId,
    String accountId,
    String name,
    String prefix,
    byte[] secretHash,
    KeyScope scope,
    long createdAtMs,
    Long revokedAtMs) {

  public boolean revoked() {
    return revokedAtMs != null;
  }

  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", prefix=" + prefix + ", project=" + projectId + "]";
  }
}

package io.tollgate.auth;

/** A freshly created key with its secret: the only moment the secret exists outside the caller's hands. */
public record IssuedKey(ApiKey key, String secret) {
  @Override
  public String toString() {
    return "IssuedKey[" + key + "]";
  }
}

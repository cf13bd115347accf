package io.tollgate.users;

import io.tollgate.json.Ids;
import io.tollgate.store.Store;
import io.tollgate.tenants.TenantSql;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Creates console users and checks their passwords; blocking (hashing is slow by design), for the command line and
 * for a worker thread.
 */
public final class Users {
  /** Hashed once, so an unknown e-mail costs a sign-in as much time as a wrong password. */
  private static final String DECOY = Passwords.hash("decoy-password-never-matches");
  private final Store store;
  private final Clock clock;

  public Users(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Creates a user; throws {@link IllegalArgumentException} for an unknown account, a taken e-mail or a short
   * password.
   *
   * @param accountId the member's account; null for an operator
   */
  public User create(String accountId, String email, String password, Role role) {
    String normalized = normalize(email);
    if (!normalized.matches("[^@\\s]+@[^@\\s]+")) {
      throw new IllegalArgumentException("email: '" + email + "' (expected: an e-mail address)");
    }
    if (password == null || password.length() < Passwords.MIN_LENGTH) {
      throw new IllegalArgumentException("password: too short (expected: at least " + Passwords.MIN_LENGTH + " characters)");
    }
    if ((role == Role.MEMBER) != (accountId != null)) {
      throw new IllegalArgumentException(role == Role.MEMBER ? "account: missing (expected: a member's account id)"
          : "account: '" + accountId + "' (expected: none for an operator)");
    }
    if (accountId != null && store.read(c -> TenantSql.account(c, accountId)).isEmpty()) {
      throw new IllegalArgumentException("account: '" + accountId + "' does not exist");
    }
    if (store.read(c -> UserSql.byEmail(c, normalized)).isPresent()) {
      throw new IllegalArgumentException("email: '" + normalized + "' already has a console user");
    }
    User user = new User(Ids.next("user", clock.millis()), accountId, normalized, role, clock.millis());
    String hash = Passwords.hash(password);
    store.writeNow(c -> {
      UserSql.insert(c, user, hash);
      return null;
    });
    return user;
  }

  /** The user whose e-mail and password these are; empty otherwise, in about the same time either way. */
  public Optional<User> signIn(String email, String password) {
    Optional<UserSql.Stored> stored = store.read(c -> UserSql.byEmail(c, normalize(email)));
    boolean matches = Passwords.matches(password == null ? "" : password, stored.map(UserSql.Stored::passwordHash).orElse(DECOY));
    return matches && stored.isPresent() ? Optional.of(stored.get().user()) : Optional.empty();
  }

  /** The users of {@code accountId}, or every user when it is null. */
  public List<User> list(String accountId) {
    return store.read(c -> UserSql.list(c, accountId));
  }

  static String normalize(String email) {
    return email == null ? "" : email.trim().toLowerCase(Locale.ROOT);
  }
}

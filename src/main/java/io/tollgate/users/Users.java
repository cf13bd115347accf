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
    requireLongEnough(password);
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
    User user = new User(Ids.next("user", clock.millis()), accountId, normalized, role, clock.millis(), false, 0);
    String hash = Passwords.hash(password);
    store.writeNow(c -> {
      UserSql.insert(c, user, hash);
      return null;
    });
    return user;
  }

  /**
   * The user whose e-mail and password these are, when not disabled; empty otherwise, in about the same time either
   * way.
   */
  public Optional<User> signIn(String email, String password) {
    Optional<UserSql.Stored> stored = store.read(c -> UserSql.byEmail(c, normalize(email)));
    boolean matches = Passwords.matches(password == null ? "" : password, stored.map(UserSql.Stored::passwordHash).orElse(DECOY));
    return matches && stored.isPresent() && !stored.get().user().disabled() ? Optional.of(stored.get().user()) : Optional.empty();
  }

  /**
   * Disables the user (by id or e-mail): they cannot sign in, and their live sessions end at their next page. Throws
   * {@link IllegalArgumentException} for an unknown user.
   */
  public User disable(String idOrEmail) {
    User user = find(idOrEmail);
    store.writeNow(c -> UserSql.setDisabled(c, user.id(), clock.millis()));
    return find(user.id());
  }

  /** Lets a disabled user sign in again. */
  public User enable(String idOrEmail) {
    User user = find(idOrEmail);
    store.writeNow(c -> UserSql.setDisabled(c, user.id(), null));
    return find(user.id());
  }

  /** Sets a new password (hashed here: slow, call on a worker); every session of the user ends. */
  public User changePassword(String idOrEmail, String password) {
    requireLongEnough(password);
    User user = find(idOrEmail);
    String hash = Passwords.hash(password);
    store.writeNow(c -> UserSql.setPassword(c, user.id(), hash));
    return find(user.id());
  }

  /**
   * Whether a session signed in as {@code user} may go on: the user still exists, is not disabled, and neither was
   * disabled nor had the password changed since. Reads one row; for the store's worker.
   */
  public static boolean sessionStillValid(java.sql.Connection c, User user) throws java.sql.SQLException {
    return UserSql.byId(c, user.id()).filter(now -> !now.disabled() && now.sessionEpoch() == user.sessionEpoch()).isPresent();
  }

  private User find(String idOrEmail) {
    String wanted = idOrEmail == null ? "" : idOrEmail.trim();
    Optional<User> found = store.read(c -> wanted.contains("@") ? UserSql.byEmail(c, normalize(wanted)).map(UserSql.Stored::user)
        : UserSql.byId(c, wanted));
    return found.orElseThrow(() -> new IllegalArgumentException("user: '" + wanted + "' does not exist"));
  }

  private static void requireLongEnough(String password) {
    if (password == null || password.length() < Passwords.MIN_LENGTH) {
      throw new IllegalArgumentException("password: too short (expected: at least " + Passwords.MIN_LENGTH + " characters)");
    }
  }

  /** The users of {@code accountId}, or every user when it is null. */
  public List<User> list(String accountId) {
    return store.read(c -> UserSql.list(c, accountId));
  }

  static String normalize(String email) {
    return email == null ? "" : email.trim().toLowerCase(Locale.ROOT);
  }
}

package io.tollgate.ledger.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tollgate.json.Json;
import io.tollgate.ledger.core.Hold;
import io.tollgate.ledger.core.LedgerEvent;
import io.tollgate.ledger.core.Movement;
import io.tollgate.ledger.core.OverdraftSet;
import io.tollgate.ledger.core.Posting;
import io.tollgate.ledger.core.Snapshot;
import io.tollgate.ledger.core.Voided;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The journal's SQL: appending events, reading them back, snapshots, and how far the projections have come. */
public final class JournalSql {
  private JournalSql() {}

  /** Appends one event at its own {@code seq}; a second event at the same seq fails (the primary key). */
  public static void append(Connection c, Journaled j) throws SQLException {
    append(c, j, null);
  }

  /**
   * Appends one event, naming the {@code node} that decided it in a journal shared by several processes (PostgreSQL);
   * {@code node} is null for the embedded journal, which has no such column.
   */
  public static void append(Connection c, Journaled j, String node) throws SQLException {
    appendAll(c, List.of(j), node);
  }

  /**
   * Appends {@code events} in one batch: one round trip to a server database however many there are (the journal's
   * rows of a whole group commit, written just before it commits).
   */
  public static void appendAll(Connection c, List<Journaled> events, String node) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO journal (seq, kind, event, annotation, created_at"
        + (node == null ? ") VALUES (?, ?, ?, ?, ?)" : ", node) VALUES (?, ?, ?, ?, ?, ?)"))) {
      for (Journaled j : events) {
        s.setLong(1, j.event().seq());
        s.setString(2, kind(j.event()));
        s.setString(3, Json.write(j.event()));
        s.setString(4, j.annotation());
        s.setLong(5, j.createdAtMs());
        if (node != null) {
          s.setString(6, node);
        }
        s.addBatch();
      }
      s.executeBatch();
    }
  }

  /** The seqs of the holds {@code node} appended at or after {@code fromSeq}, in a shared journal. */
  public static java.util.Set<Long> holdsOf(Connection c, String node, long fromSeq) throws SQLException {
    java.util.Set<Long> out = new java.util.HashSet<>();
    try (PreparedStatement s = c.prepareStatement("SELECT seq FROM journal WHERE kind = 'hold' AND node = ? AND seq >= ?")) {
      s.setString(1, node);
      s.setLong(2, fromSeq);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getLong(1));
        }
      }
    }
    return out;
  }

  /** The events after {@code afterSeq} up to {@code toSeq} (inclusive), in order. */
  public static List<Journaled> events(Connection c, long afterSeq, long toSeq) throws SQLException {
    List<Journaled> out = new ArrayList<>();
    forEach(c, afterSeq, toSeq, out::add);
    return out;
  }

  /** Gives {@code each} the events after {@code afterSeq} up to {@code toSeq}, in order, one at a time. */
  public static void forEach(Connection c, long afterSeq, long toSeq, java.util.function.Consumer<Journaled> each)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT seq, kind, event, annotation, created_at FROM journal"
        + " WHERE seq > ? AND seq <= ? ORDER BY seq")) {
      s.setLong(1, afterSeq);
      s.setLong(2, toSeq);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          each.accept(new Journaled(decode(rs.getLong(1), rs.getString(2), rs.getString(3)), rs.getString(4), rs.getLong(5)));
        }
      }
    }
  }

  /** Events of a shared journal, and the seqs of those that {@code node} appended. */
  public record Tail(List<Journaled> events, java.util.Set<Long> mine) {}

  /** The events after {@code afterSeq} up to {@code toSeq} of a shared journal, noting which {@code node} appended. */
  public static Tail tail(Connection c, long afterSeq, long toSeq, String node) throws SQLException {
    List<Journaled> events = new ArrayList<>();
    java.util.Set<Long> mine = new java.util.HashSet<>();
    try (PreparedStatement s = c.prepareStatement("SELECT seq, kind, event, annotation, created_at, node = ? FROM journal"
        + " WHERE seq > ? AND seq <= ? ORDER BY seq")) {
      s.setString(1, node);
      s.setLong(2, afterSeq);
      s.setLong(3, toSeq);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          events.add(new Journaled(decode(rs.getLong(1), rs.getString(2), rs.getString(3)), rs.getString(4), rs.getLong(5)));
          if (rs.getBoolean(6)) {
            mine.add(rs.getLong(1));
          }
        }
      }
    }
    return new Tail(events, mine);
  }

  /** The last event's seq; 0 for an empty journal. */
  public static long lastSeq(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM journal"); ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The latest snapshot at or before {@code atMostSeq}, or null when there is none. */
  public static Snapshot snapshot(Connection c, long atMostSeq, boolean earliest) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT state FROM journal_snapshots WHERE seq <= ? ORDER BY seq "
        + (earliest ? "ASC" : "DESC") + " LIMIT 1")) {
      s.setLong(1, atMostSeq);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? read(rs.getString(1), Snapshot.class) : null;
      }
    }
  }

  public static void saveSnapshot(Connection c, Snapshot snapshot, long nowMs) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO journal_snapshots (seq, state, created_at) VALUES (?, ?, ?)"
        + " ON CONFLICT (seq) DO NOTHING")) {
      s.setLong(1, snapshot.seq());
      s.setString(2, Json.write(snapshot));
      s.setLong(3, nowMs);
      s.executeUpdate();
    }
  }

  /**
   * Takes, until the transaction ends, the lock that orders the transactions projecting a journal shared by several
   * processes, whichever process runs them: each event is projected once. A transaction that holds the journal's lock
   * takes it after that one; a projection in a transaction of its own takes only this one.
   */
  static void lockProjections(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_xact_lock(" + PROJECTION_LOCK + ")")) {
      s.execute();
    }
  }

  /** {@link #lockProjections} if no other transaction holds the lock; false, without waiting, when one does. */
  static boolean tryLockProjections(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(" + PROJECTION_LOCK + ")");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static final String PROJECTION_LOCK = "hashtext('tollgate-projection:' || coalesce(current_schema(), ''))";

  /**
   * The journal's last seq and how far the projections have applied it, from one snapshot: {@code [last, projected]}.
   * When the second is not below the first, every event committed before the statement began is projected.
   */
  public static long[] ends(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT (SELECT COALESCE(MAX(seq), 0) FROM journal),"
        + " (SELECT COALESCE(MAX(seq), 0) FROM journal_projection WHERE id = 1)"); ResultSet rs = s.executeQuery()) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /** How far the projections have applied the journal. */
  public static long projectedSeq(Connection c) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT seq FROM journal_projection WHERE id = 1"); ResultSet rs = s.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  static void setProjectedSeq(Connection c, long seq) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("UPDATE journal_projection SET seq = ? WHERE id = 1")) {
      s.setLong(1, seq);
      s.executeUpdate();
    }
  }

  static String kind(LedgerEvent event) {
    if (event instanceof Hold) {
      return "hold";
    } else if (event instanceof Posting) {
      return "posting";
    } else if (event instanceof Voided) {
      return "void";
    } else if (event instanceof Movement) {
      return "movement";
    }
    return "overdraft";
  }

  private static LedgerEvent decode(long seq, String kind, String json) {
    Class<? extends LedgerEvent> type = switch (kind) {
      case "hold" -> Hold.class;
      case "posting" -> Posting.class;
      case "void" -> Voided.class;
      case "movement" -> Movement.class;
      case "overdraft" -> OverdraftSet.class;
      default -> throw new IllegalStateException("journal event " + seq + " has kind '" + kind
          + "' (expected: hold, posting, void, movement or overdraft)");
    };
    return read(json, type);
  }

  private static <T> T read(String json, Class<T> type) {
    try {
      return Json.MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read a journaled " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }
}

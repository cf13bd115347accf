package io.tollgate.limits;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tollgate.auth.Secrets;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfiguredLimit;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.RouteType;
import io.tollgate.json.Json;
import io.tollgate.store.Store;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The limits engine. It finds the limits that apply to one attempt, and, on the store's writer thread, checks
 * and reserves all of them in one step (all or nothing), then posts or releases what was reserved. Counters
 * live in memory and their settled usage is persisted in the same transactions, so a restart rebuilds them.
 */
public final class Limits {
  private static final long USAGE_HORIZON_MS = 40L * 24 * 60 * 60 * 1000;
  private static final TypeReference<List<Reservation>> RESERVATIONS = new TypeReference<>() {};

  private final Store store;
  private final Clock clock;
  private final Counters counters = new Counters();
  private volatile Map<String, List<Limit>> storedBySubject = Map.of();
  private final Map<GatewayConfig, List<Limit>> configured = Collections.synchronizedMap(new IdentityHashMap<>());

  public Limits(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** What one attempt would use, for finding its limits. */
  public record Usage(String accountId, String projectId, String keyId, String model, RouteType routeType,
      String channel, Bucket bucket, long spendMicros, long tokens) {}

  /** A reservation with its limit and window, before it is taken. */
  public record Planned(Limit limit, Reservation reservation, Instant resetsAt) {}

  /** Loads stored definitions and persisted usage; blocking, at start-up. */
  public void load() {
    refreshDefinitions();
    store.writeNow(c -> {
      rebuild(c);
      return null;
    });
  }

  /** Every stored (admin or owner) limit. */
  public List<Limit> stored() {
    return storedBySubject.values().stream().flatMap(List::stream).toList();
  }

  /** Re-reads stored limit definitions (after an admin change; no other process writes the store while this one runs). */
  public void refreshDefinitions() {
    List<Limit> all = store.read(LimitSql::all);
    Map<String, List<Limit>> bySubject = new HashMap<>();
    for (Limit limit : all) {
      bySubject.computeIfAbsent(limit.subject(), k -> new ArrayList<>()).add(limit);
    }
    storedBySubject = bySubject;
  }

  /** Rebuilds counters from the store: settled usage, plus what pending holds reserve. On the writer thread. */
  public void rebuild(Connection c) throws SQLException {
    Map<String, Long> spent = LimitSql.usage(c, clock.millis() - USAGE_HORIZON_MS);
    Map<String, Long> held = new HashMap<>();
    for (String json : LimitSql.pendingReservations(c)) {
      for (Reservation r : reservations(json)) {
        held.merge(r.counter(), r.amount(), Long::sum);
      }
    }
    // read everything first: a failed query must not leave the counters empty
    counters.clear();
    spent.forEach((key, value) -> counters.get(key).spent = value);
    held.forEach((key, value) -> counters.get(key).held = value);
  }

  /** Every limit that applies to {@code usage}, with what it would reserve. Never blocks. */
  public List<Planned> plan(GatewayConfig config, Usage usage) {
    Instant now = clock.instant();
    ZoneId zone = config.timeZone();
    List<Planned> out = new ArrayList<>();
    for (Limit limit : configured(config)) {
      boolean applies = switch (limit.scope()) {
        case ROUTE -> limit.model().equals(usage.model()) && limit.routeType() == usage.routeType();
        case CHANNEL -> limit.channel().equals(usage.channel());
        default -> false;
      };
      if (applies) {
        add(out, limit, limit.perAccount() ? usage.accountId() : "operator", usage, now, zone);
      }
    }
    for (String subject : new String[] {usage.accountId(), usage.projectId(), usage.keyId()}) {
      for (Limit limit : storedBySubject.getOrDefault(subject, List.of())) {
        boolean applies = switch (limit.scope()) {
          case ACCOUNT, PROJECT, KEY -> true;
          case ROUTE_KEY, ROUTE_PROJECT -> limit.model().equals(usage.model()) && limit.routeType() == usage.routeType();
          default -> false;
        };
        if (applies) {
          add(out, limit, subject, usage, now, zone);
        }
      }
    }
    return out;
  }

  private void add(List<Planned> out, Limit limit, String subject, Usage usage, Instant now, ZoneId zone) {
    long amount = switch (limit.metric()) {
      case SPEND -> limit.bucket() == usage.bucket() ? usage.spendMicros() : -1;
      case TOKENS -> usage.tokens();
      case REQUESTS -> 1;
    };
    if (amount < 0) {
      return;
    }
    String counter = Reservation.counterKey(limit.id(), subject, limit.window().key(now, zone));
    out.add(new Planned(limit, new Reservation(counter, limit.id(), limit.metric().wireName(), amount),
        limit.window().resetsAt(now, zone)));
  }

  /** The tightest limit that {@code planned} would exceed, or null. Exact on the writer thread; a preview elsewhere. */
  public LimitRefusal check(List<Planned> planned) {
    LimitRefusal tightest = null;
    for (Planned p : planned) {
      long[] c = counters.peek(p.reservation().counter());
      if (c[0] + c[1] + p.reservation().amount() > p.limit().cap()) {
        LimitRefusal refusal = new LimitRefusal(p.limit(), p.reservation().counter(), c[0], c[1], p.reservation().amount(),
            p.resetsAt(), clock.instant());
        if (tightest == null || refusal.remaining() < tightest.remaining()) {
          tightest = refusal;
        }
      }
    }
    return tightest;
  }

  /** Forgets in-memory counters of windows long ended (see {@link Counters#prune}); returns how many. Writer thread only. */
  public int prune() {
    return counters.prune(clock.instant());
  }

  /** Takes every reservation. Writer thread only, after {@link #check} passed in the same task. */
  public void reserve(List<Reservation> reservations) {
    reservations.forEach(r -> counters.get(r.counter()).held += r.amount());
  }

  /** Releases reservations of a voided hold. Writer thread only. */
  public void release(List<Reservation> reservations) {
    reservations.forEach(r -> {
      Counters.Counter c = counters.get(r.counter());
      c.held = Math.max(0, c.held - r.amount());
    });
  }

  /** Releases a posted hold's reservations and counts what it actually used, persisting it. Writer thread only. */
  public void post(Connection c, List<Reservation> reservations, long chargedMicros, long tokens) throws SQLException {
    long[] used = new long[reservations.size()];
    for (int i = 0; i < used.length; i++) {
      Reservation r = reservations.get(i);
      used[i] = switch (Metric.parse(r.metric())) {
        case SPEND -> chargedMicros;
        case TOKENS -> tokens;
        case REQUESTS -> 1;
      };
      if (used[i] > 0) {
        LimitSql.addSpent(c, r.counter(), used[i], clock.millis());
      }
    }
    // memory changes only after every write succeeded, so a failed task leaves the counters as they were
    for (int i = 0; i < used.length; i++) {
      Counters.Counter counter = counters.get(reservations.get(i).counter());
      counter.held = Math.max(0, counter.held - reservations.get(i).amount());
      counter.spent += used[i];
    }
  }

  /**
   * The tightest limit after a request, as {@code [label, remaining]}: the one with the smallest share of its
   * cap left. Null when no limit applies.
   */
  public String[] tightest(List<Planned> planned) {
    String[] best = null;
    long bestRemaining = 0;
    long bestCap = 1;
    for (Planned p : planned) {
      long[] c = counters.peek(p.reservation().counter());
      long cap = Math.max(1, p.limit().cap());
      long remaining = Math.max(0, p.limit().cap() - c[0] - c[1]);
      if (best == null || BigInteger.valueOf(remaining).multiply(BigInteger.valueOf(bestCap))
          .compareTo(BigInteger.valueOf(bestRemaining).multiply(BigInteger.valueOf(cap))) < 0) {
        best = new String[] {p.limit().label(), Long.toString(remaining)};
        bestRemaining = remaining;
        bestCap = cap;
      }
    }
    return best;
  }

  /**
   * How one counter's settled spend moved in one posting, for budget alerts: from {@code before} to {@code after},
   * of {@code limit}'s cap.
   */
  public record Progress(Limit limit, String counter, long before, long after) {
    /** The thresholds (percent of the cap) this move crossed: reached now and not before. */
    public List<Integer> crossed(List<Integer> thresholdsPercent) {
      List<Integer> out = new ArrayList<>();
      long cap = limit.cap();
      if (cap <= 0 || after <= before) {
        return out;
      }
      for (int t : thresholdsPercent) {
        BigInteger line = BigInteger.valueOf(cap).multiply(BigInteger.valueOf(t));
        if (BigInteger.valueOf(before).multiply(HUNDRED).compareTo(line) < 0
            && BigInteger.valueOf(after).multiply(HUNDRED).compareTo(line) >= 0) {
          out.add(t);
        }
      }
      return out;
    }
  }

  private static final BigInteger HUNDRED = BigInteger.valueOf(100);

  /** The settled spend of each planned counter now, to compare after a posting. Writer thread only. */
  public long[] spentNow(List<Planned> planned) {
    long[] out = new long[planned.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = counters.peek(planned.get(i).reservation().counter())[0];
    }
    return out;
  }

  /** How each planned counter moved since {@code before} ({@link #spentNow}). Writer thread only. */
  public List<Progress> progress(List<Planned> planned, long[] before) {
    List<Progress> out = new ArrayList<>(planned.size());
    for (int i = 0; i < before.length; i++) {
      Planned p = planned.get(i);
      out.add(new Progress(p.limit(), p.reservation().counter(), before[i], counters.peek(p.reservation().counter())[0]));
    }
    return out;
  }

  /** Usage of one counter as {@code [spent, held]}, for display. */
  public long[] usage(String counter) {
    return counters.peek(counter);
  }

  public static String reservationsJson(List<Reservation> reservations) {
    return Json.write(reservations);
  }

  public static List<Reservation> reservations(String json) {
    return json == null ? List.of() : Json.MAPPER.convertValue(Json.read(json, List.class), RESERVATIONS);
  }

  /** The configuration's route and channel limits, with ids derived from their shape so counters survive reloads. */
  public List<Limit> configured(GatewayConfig config) {
    List<Limit> cached = configured.get(config);
    if (cached != null) {
      return cached;
    }
    List<Limit> out = new ArrayList<>();
    for (ConfiguredLimit c : config.limits()) {
      Scope scope = Scope.parse(c.scope());
      Metric metric = Metric.parse(c.metric());
      Window window = Window.parse(c.window());
      String shape = String.join("/", scope.wireName(), String.valueOf(c.model()),
          c.routeType() == null ? "" : c.routeType().wireName(), String.valueOf(c.channel()), metric.wireName(),
          c.bucket() == null ? "" : c.bucket().name(), window.wireName(), c.perAccount() ? "account" : "operator");
      String id = "cfg_" + HexFormat.of().formatHex(Secrets.sha256(shape)).substring(0, 16);
      out.add(new Limit(id, scope, null, c.model(), c.routeType(), c.channel(), metric, c.bucket(), window, c.cap(),
          c.perAccount(), "config"));
    }
    List<Limit> frozen = List.copyOf(out);
    synchronized (configured) {
      // a cache only: a configuration cleared from it while a request still holds it gets the same list again,
      // since the list is a function of the configuration alone and ids come from each limit's shape
      if (configured.size() > 8) {
        configured.clear();
      }
      configured.put(config, frozen);
    }
    return frozen;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}

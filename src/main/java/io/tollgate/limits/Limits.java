package io.tollgate.limits;

import io.tollgate.auth.Secrets;
import io.tollgate.config.Bucket;
import io.tollgate.config.ConfiguredLimit;
import io.tollgate.config.GatewayConfig;
import io.tollgate.config.RouteType;
import io.tollgate.ledger.core.LimitPlanner;
import io.tollgate.store.Store;
import java.math.BigInteger;
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
 * The limits room: limit definitions (stored by admins and owners, or configured on routes and channels), which of
 * them apply to an attempt, and their counters' keys and windows. What a limit reserves, and whether it refuses, is
 * the accounting core's to decide ({@link io.tollgate.ledger.core.AccountingCore}); its counters live there.
 */
public final class Limits {
  private final Store store;
  private final Clock clock;
  private final CounterReader counters;
  private volatile Map<String, List<Limit>> storedBySubject = Map.of();
  private final Map<GatewayConfig, List<Limit>> configured = Collections.synchronizedMap(new IdentityHashMap<>());

  /** Reads a counter as {@code [spent, held]}, for display. */
  @FunctionalInterface
  public interface CounterReader {
    CounterReader NONE = key -> {
      throw new IllegalStateException("this Limits reads no counters (expected: one made with the accountant's)");
    };

    long[] usage(String counter);
  }

  /** For definitions only (the command line): reading a counter fails. */
  public Limits(Store store, Clock clock) {
    this(store, clock, CounterReader.NONE);
  }

  public Limits(Store store, Clock clock, CounterReader counters) {
    this.store = store;
    this.clock = clock;
    this.counters = counters;
  }

  /** Who asks, for finding the limits of an attempt. */
  public record Subject(String accountId, String projectId, String keyId, String model, RouteType routeType) {}

  /** The envelope limits of the research runs under way, by run id; a run registers them and ends them. */
  private final Map<String, RunEnvelope> runs = new java.util.concurrent.ConcurrentHashMap<>();

  /** A research run's envelope: one spend limit of the {@link Scope#RUN} scope and {@link Window#RUN} window a bucket. */
  public record RunEnvelope(String accountId, List<Limit> limits) {}

  /**
   * Registers the envelope of research run {@code runId}: from now on every attempt carrying the run's id reserves
   * on these limits too, on the counter {@code <limit id>|<run id>|run}, so the core admits a child all-or-none
   * inside the envelope.
   */
  public void startRun(String runId, RunEnvelope envelope) {
    for (Limit limit : envelope.limits()) {
      if (limit.scope() != Scope.RUN || limit.window() != Window.RUN) {
        throw new IllegalArgumentException("limit " + limit.id() + ": " + limit.scope() + "/" + limit.window()
            + " (expected: scope run, window run)");
      }
    }
    if (runs.putIfAbsent(runId, envelope) != null) {
      throw new IllegalArgumentException("runId: " + runId + " is under way (expected: a new id)");
    }
  }

  /** The envelopes of the research runs of {@code accountId} under way, by run id. */
  public Map<String, RunEnvelope> runsOf(String accountId) {
    Map<String, RunEnvelope> out = new java.util.TreeMap<>();
    runs.forEach((id, envelope) -> {
      if (envelope.accountId().equals(accountId)) {
        out.put(id, envelope);
      }
    });
    return out;
  }

  /** Ends run {@code runId}: a later attempt naming it is refused (what it holds now still settles as usual). */
  public void endRun(String runId) {
    runs.remove(runId);
    runEnded.accept(runId);
  }

  private volatile java.util.function.Consumer<String> runEnded = runId -> { };

  /** Tells {@code hook} of every run that ended: its envelope counters can then be forgotten. */
  public void onRunEnded(java.util.function.Consumer<String> hook) {
    this.runEnded = java.util.Objects.requireNonNull(hook, "hook");
  }

  /** Whether {@code counter} is one of run {@code runId}'s envelope counters. */
  public static boolean ofRun(String counter, String runId) {
    return counter.endsWith("|" + runId + "|" + Window.RUN.key(null, null));
  }

  /** Whether {@code counter} is a run's envelope counter, of any run. */
  public static boolean ofAnyRun(String counter) {
    return counter.endsWith("|" + Window.RUN.key(null, null));
  }

  /** The counter of {@code limit} in run {@code runId}. */
  public static String runCounter(Limit limit, String runId) {
    return Reservation.counterKey(limit.id(), runId, Window.RUN.key(null, null));
  }

  /**
   * {@link #planner(GatewayConfig, Subject)}, plus the envelope of research run {@code runId} when it is not null.
   *
   * @throws ApiException 400 {@code research_run_not_running} when no run of the subject's account with that id is
   *     under way: a child of an ended (or another account's) run is never admitted outside an envelope
   */
  public LimitPlanner planner(GatewayConfig config, Subject subject, String runId) {
    LimitPlanner base = planner(config, subject);
    if (runId == null) {
      return base;
    }
    RunEnvelope envelope = runs.get(runId);
    if (envelope == null || !envelope.accountId().equals(subject.accountId())) {
      throw io.tollgate.http.ApiException.invalid("x-tollgate-run", "research_run_not_running",
          "'x-tollgate-run': '" + runId + "' is not a research run under way for this account.");
    }
    List<LimitPlanner.Applicable> run = envelope.limits().stream()
        .map(l -> new LimitPlanner.Applicable(l, runCounter(l, runId), null)).toList();
    return leg -> {
      List<LimitPlanner.Applicable> out = new ArrayList<>(base.applicable(leg));
      out.addAll(run);
      return out;
    };
  }

  /** Loads stored definitions; blocking, at start-up. */
  public void load() {
    refreshDefinitions();
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

  /**
   * Which limits apply to an attempt of {@code subject} on each leg, with their counters in the current window: what
   * the core's admission reserves on. Never blocks.
   */
  public LimitPlanner planner(GatewayConfig config, Subject subject) {
    ZoneId zone = config.timeZone();
    List<Limit> configuredLimits = configured(config);
    Map<String, List<Limit>> stored = storedBySubject;
    // the window is read when a leg is planned, not when the request began: a fallback after a long first attempt
    // may fall in the next day, and counts there
    return leg -> {
      Instant now = clock.instant();
      List<LimitPlanner.Applicable> out = new ArrayList<>();
      for (Limit limit : configuredLimits) {
        boolean applies = switch (limit.scope()) {
          case ROUTE -> limit.model().equals(subject.model()) && limit.routeType() == subject.routeType();
          case CHANNEL -> limit.channel().equals(leg.channelId());
          default -> false;
        };
        if (applies) {
          out.add(applicable(limit, limit.perAccount() ? subject.accountId() : "operator", now, zone));
        }
      }
      for (String who : new String[] {subject.accountId(), subject.projectId(), subject.keyId()}) {
        for (Limit limit : stored.getOrDefault(who, List.of())) {
          boolean applies = switch (limit.scope()) {
            case ACCOUNT, PROJECT, KEY -> true;
            case ROUTE_KEY, ROUTE_PROJECT -> limit.model().equals(subject.model()) && limit.routeType() == subject.routeType();
            default -> false;
          };
          if (applies) {
            out.add(applicable(limit, who, now, zone));
          }
        }
      }
      return out;
    };
  }

  private static LimitPlanner.Applicable applicable(Limit limit, String subject, Instant now, ZoneId zone) {
    return new LimitPlanner.Applicable(limit, Reservation.counterKey(limit.id(), subject, limit.window().key(now, zone)),
        limit.window().resetsAt(now, zone));
  }

  /** Whether a counter's window ended long before now: the core may forget it once nothing holds it. */
  public java.util.function.Predicate<String> endedLongAgo() {
    Instant now = clock.instant();
    return key -> Window.endedLongBefore(Reservation.windowKeyOf(key), now);
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

  /** Usage of one counter as {@code [spent, held]}, for display. */
  public long[] usage(String counter) {
    return counters.usage(counter);
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

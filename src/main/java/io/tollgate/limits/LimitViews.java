package io.tollgate.limits;

import io.tollgate.auth.ApiKey;
import io.tollgate.config.GatewayConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Limits as a key's owner reads them: each with cap, spent, held, remaining and when it resets. */
final class LimitViews {
  private LimitViews() {}

  static List<Map<String, Object>> forKey(Limits limits, List<Limit> stored, GatewayConfig config, ApiKey key, Clock clock) {
    return forKeys(limits, stored, config, key, List.of(key), false, clock);
  }

  /**
   * Every limit that applies to at least one of {@code keys} (live keys of {@code key}'s project, {@code key} among
   * them): a route limit when one of them may use its model, a key's own limits (with that key's id and name when
   * {@code nameKeys}).
   */
  static List<Map<String, Object>> forKeys(Limits limits, List<Limit> stored, GatewayConfig config, ApiKey key,
      List<ApiKey> keys, boolean nameKeys, Clock clock) {
    Instant now = clock.instant();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Limit limit : limits.configured(config)) {
      if (limit.scope() == Scope.ROUTE && keys.stream().noneMatch(k -> k.scope().allowsModel(limit.model()))) {
        continue;
      }
      out.add(view(limits, limit, limit.perAccount() ? key.accountId() : "operator", config, now));
    }
    Map<String, ApiKey> byId = new LinkedHashMap<>();
    keys.forEach(k -> byId.put(k.id(), k));
    for (Limit limit : stored) {
      boolean mine = switch (limit.scope()) {
        case ACCOUNT -> limit.subject().equals(key.accountId());
        case PROJECT, ROUTE_PROJECT -> limit.subject().equals(key.projectId());
        case KEY, ROUTE_KEY -> byId.containsKey(limit.subject());
        default -> false;
      };
      if (mine) {
        Map<String, Object> view = view(limits, limit, limit.subject(), config, now);
        if (nameKeys && (limit.scope() == Scope.KEY || limit.scope() == Scope.ROUTE_KEY)) {
          view.put("key_id", limit.subject());
          view.put("key_name", byId.get(limit.subject()).name());
        }
        out.add(view);
      }
    }
    // the envelopes of the account's research runs under way: each ends with its run
    limits.runsOf(key.accountId()).forEach((runId, envelope) -> {
      for (Limit limit : envelope.limits()) {
        Map<String, Object> view = view(limits, limit, runId, config, now);
        view.put("run", runId);
        out.add(view);
      }
    });
    return out;
  }

  static Map<String, Object> view(Limits limits, Limit limit, String subject, GatewayConfig config, Instant now) {
    long[] usage = limits.usage(Reservation.counterKey(limit.id(), subject, limit.window().key(now, config.timeZone())));
    Instant resets = limit.window().resetsAt(now, config.timeZone());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", limit.id());
    out.put("scope", limit.scope().wireName());
    out.put("label", limit.label());
    if (limit.model() != null) {
      out.put("model", limit.model());
      out.put("route_type", limit.routeType().wireName());
    }
    if (limit.channel() != null) {
      out.put("channel", limit.channel());
    }
    out.put("metric", limit.metric().wireName());
    if (limit.bucket() != null) {
      out.put("bucket", limit.bucket().name());
      out.put("unit", "micros");
    }
    out.put("window", limit.window().wireName());
    out.put("cap", limit.cap());
    out.put("spent", usage[0]);
    out.put("held", usage[1]);
    out.put("remaining", io.tollgate.ledger.core.AccountingCore.remaining(limit, usage[0], usage[1]));
    out.put("resets_at", resets == null ? null : resets.toString());
    out.put("source", limit.source());
    out.put("shared", limit.scope() == Scope.ROUTE || limit.scope() == Scope.CHANNEL ? !limit.perAccount() : false);
    return out;
  }
}

package io.tollgate.health;

import io.tollgate.config.Channel;
import io.tollgate.config.ConfigHolder;
import io.tollgate.json.Json;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /admin/channels}: each channel's state, success rate, latency and last error; never its credential. */
public final class ChannelsAdmin {
  private final ConfigHolder config;
  private final HealthRegistry health;

  public ChannelsAdmin(ConfigHolder config, HealthRegistry health) {
    this.config = config;
    this.health = health;
  }

  /** Mount behind the admin token. */
  public void mount(Router router) {
    router.get("/admin/channels").handler(ctx -> {
      List<Map<String, Object>> data = new ArrayList<>();
      for (Channel channel : config.current().channels().values()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", channel.id());
        row.put("label", channel.label());
        row.put("kind", channel.kind().wireName());
        row.put("base_url", channel.baseUrl().toString());
        row.put("timeouts", channel.timeouts());
        row.put("breaker", Map.of("failures", channel.breakerFailures(), "cooldown_ms", channel.breakerCooldownMs()));
        row.put("health", health.snapshot(channel));
        data.add(row);
      }
      ctx.response().putHeader("content-type", "application/json").end(Json.write(Map.of("object", "list", "data", data)));
    });
  }
}

package io.tollgate.catalog;

import io.tollgate.config.GatewayConfig;
import io.tollgate.config.Leg;
import io.tollgate.config.Route;
import io.tollgate.pricing.Costs;
import java.util.LinkedHashMap;
import java.util.Map;

/** One leg as users see it in route previews and quotes: never the channel's URL or credential. */
public final class LegView {
  private LegView() {}

  public static Map<String, Object> of(GatewayConfig config, Route route, int index) {
    Leg leg = route.legs().get(index);
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("leg", Route.legLabel(index));
    row.put("channel", config.channel(leg.channelId()).label());
    row.put("upstream_model", leg.upstreamModel());
    row.put("bucket", leg.bucket().name());
    row.put("currency", leg.bucket().currency());
    row.put("price", Costs.applied(leg.price(), config.multipliers(), route.type()));
    return row;
  }
}

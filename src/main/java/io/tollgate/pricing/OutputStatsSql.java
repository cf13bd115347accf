package io.tollgate.pricing;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tollgate.json.Json;
import io.tollgate.store.Settings;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/** {@link OutputStats} kept in the store's settings, one row, so a restart does not forget what was measured. */
public final class OutputStatsSql {
  private static final String SETTING = "output_stats";

  private OutputStatsSql() {}

  public static void save(Connection c, OutputStats stats) throws SQLException {
    Settings.put(c, SETTING, Json.write(stats.state()));
  }

  public static void load(Connection c, OutputStats stats) throws SQLException {
    Optional<String> kept = Settings.get(c, SETTING);
    if (kept.isPresent()) {
      stats.restore(Json.read(kept.get(), new TypeReference<Map<String, long[]>>() {}));
    }
  }
}

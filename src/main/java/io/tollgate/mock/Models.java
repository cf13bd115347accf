package io.tollgate.mock;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Answers {@code GET /v1/models} with a fixed list, so clients that probe the catalog work. */
final class Models {

  static final List<String> IDS = List.of("mock-small", "mock-large", "mock-embedding");

  /** A fixed timestamp keeps the listing byte-for-byte stable across runs. */
  private static final long CREATED = 1_700_000_000L;

  private Models() {
  }

  static JsonObject reply() {
    JsonArray data = new JsonArray();
    IDS.forEach(id -> data.add(new JsonObject()
        .put("id", id)
        .put("object", "model")
        .put("created", CREATED)
        .put("owned_by", "mock")));
    return new JsonObject().put("object", "list").put("data", data);
  }
}

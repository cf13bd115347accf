package io.tollgate.config;

import java.util.Map;

/** A public model id that clients ask for, with its list price per route type. */
public record CatalogModel(
    String id,
    String ownedBy,
    long contextWindow,
    long maxOutputTokens,
    Map<RouteType, Price> prices,
    boolean embeddings) {}

package io.tollgate.config;

import java.util.Map;
import java.util.Objects;

/**
 * A public model id that clients ask for, with its list price per route type.
 *
 * @param imageTokens how the model bills an image part, counted into the prompt a hold covers
 */
public record CatalogModel(
    String id,
    String ownedBy,
    long contextWindow,
    long maxOutputTokens,
    Map<RouteType, Price> prices,
    boolean embeddings,
    ImageTokens imageTokens) {

  public CatalogModel {
    Objects.requireNonNull(imageTokens, "imageTokens");
  }

  /** A model that bills images by the gpt-4o family's rule. */
  public CatalogModel(String id, String ownedBy, long contextWindow, long maxOutputTokens, Map<RouteType, Price> prices,
      boolean embeddings) {
    this(id, ownedBy, contextWindow, maxOutputTokens, prices, embeddings, ImageTokens.GPT_4O);
  }
}

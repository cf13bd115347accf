package io.tollgate.config;

import java.util.Locale;

/** How a catalog model is served: through the official provider or through a lower-cost routed channel. */
public enum RouteType {
  OFFICIAL(Bucket.CREDIT),
  ROUTED(Bucket.RMB);

  private final Bucket defaultBucket;

  RouteType(Bucket defaultBucket) {
    this.defaultBucket = defaultBucket;
  }

  /** The bucket a leg of this route type pays from unless the configuration says otherwise. */
  public Bucket defaultBucket() {
    return defaultBucket;
  }

  /** The lower-case name used on the wire, in YAML and in headers. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a wire name; returns null when it names no route type. */
  public static RouteType parse(String name) {
    for (RouteType type : values()) {
      if (type.wireName().equalsIgnoreCase(name)) {
        return type;
      }
    }
    return null;
  }
}

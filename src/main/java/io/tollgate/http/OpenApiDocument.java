package io.tollgate.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 description of every public and admin endpoint, served without a key
 * (it holds no secret). Its one source is the resource {@code openapi.yaml}, written by hand with comments; this
 * class only turns it into JSON, once.
 */
public final class OpenApiDocument {
  static final String RESOURCE = "openapi.yaml";

  private static volatile String json;

  private OpenApiDocument() {}

  /** The document as JSON, read from the resource on first use; a resource that does not parse fails loudly. */
  public static String json() {
    String loaded = json;
    if (loaded == null) {
      loaded = read();
      json = loaded;
    }
    return loaded;
  }

  static void serve(RoutingContext ctx) {
    ctx.response().putHeader("content-type", "application/json").end(json());
  }

  private static String read() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the class path");
      }
      JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(in);
      return new ObjectMapper().writeValueAsString(tree);
    } catch (IOException e) {
      throw new UncheckedIOException(RESOURCE + " cannot be read", e);
    }
  }
}

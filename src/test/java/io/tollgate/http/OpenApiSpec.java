package io.tollgate.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The served OpenAPI document, read for checking: its operations, the response each one documents for a status and
 * content type (following {@code $ref}s between components), and a JSON Schema validator over its schemas. Every
 * schema is addressed by its JSON pointer inside the one document, so the {@code $ref}s between schemas resolve as
 * they would for any OpenAPI 3.1 reader.
 */
final class OpenApiSpec {
  static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
  private static final String BASE = "https://tollgate.invalid/openapi.json";

  /** A node of the document and its JSON pointer. */
  record Located(JsonNode node, String pointer) {
    Located child(String name) {
      return new Located(node.path(name), pointer + "/" + escape(name));
    }

    boolean exists() {
      return !node.isMissingNode() && !node.isNull();
    }
  }

  final JsonNode root;
  private final SchemaRegistry registry;

  OpenApiSpec(String json) throws Exception {
    this.root = new ObjectMapper().readTree(json);
    this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
        builder -> builder.schemas(Map.of(BASE, json)));
  }

  /** Every documented operation as {@code "METHOD /path/{param}"}. */
  Set<String> operations() {
    Set<String> out = new TreeSet<>();
    root.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
      if (METHODS.contains(method)) {
        out.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
      }
    }));
    return out;
  }

  Located operation(String method, String template) {
    return new Located(root, "").child("paths").child(template).child(method.toLowerCase(Locale.ROOT));
  }

  /** The response documented for {@code status}: its own code first, then its class ({@code 4XX}); null if none. */
  Located response(Located operation, int status) {
    Located responses = operation.child("responses");
    Located exact = responses.child(Integer.toString(status));
    Located range = responses.child((status / 100) + "XX");
    Located found = exact.exists() ? exact : range.exists() ? range : null;
    return found == null ? null : resolve(found);
  }

  /** Follows a {@code $ref} to another part of the document (a response, header, parameter or schema). */
  Located resolve(Located located) {
    Located current = located;
    for (int hops = 0; current.node().has("$ref") && hops < 10; hops++) {
      String ref = current.node().get("$ref").asText();
      if (!ref.startsWith("#/")) {
        throw new IllegalStateException("only local references are used: " + ref);
      }
      String pointer = ref.substring(1);
      current = new Located(root.at(pointer), pointer);
    }
    return current;
  }

  /** What {@code value} breaks of the schema at {@code schema}'s pointer; empty when it validates. */
  List<String> violations(Located schema, JsonNode value) {
    List<String> out = new ArrayList<>();
    for (Error error : registry.getSchema(SchemaLocation.of(BASE + "#" + schema.pointer())).validate(value)) {
      out.add(error.toString());
    }
    return out;
  }

  /** The security requirement an operation is under: its own, or the document's default. */
  JsonNode security(Located operation) {
    JsonNode own = operation.node().get("security");
    return own != null ? own : root.path("security");
  }

  /** The documented header names of a response, lower-case. */
  Set<String> headerNames(Located response) {
    Set<String> out = new TreeSet<>();
    Iterator<String> names = response.node().path("headers").fieldNames();
    names.forEachRemaining(name -> out.add(name.toLowerCase(Locale.ROOT)));
    return out;
  }

  Located header(Located response, String name) {
    Iterator<String> names = response.node().path("headers").fieldNames();
    while (names.hasNext()) {
      String declared = names.next();
      if (declared.equalsIgnoreCase(name)) {
        return resolve(response.child("headers").child(declared));
      }
    }
    return null;
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}

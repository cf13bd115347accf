package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.internal.VertxInternal;
import io.vertx.ext.web.Route;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /openapi.json} describes the gateway that serves it: the same routes, and schemas that the real
 * answers of a tour through every endpoint (successes and errors) validate against, with every
 * {@code x-tollgate-*} header they carry declared.
 */
class OpenApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Fetches the document over HTTP/1.1. A JDK client left at its default (HTTP/2) asks to upgrade with h2c on its
   * first request, and the JDK 17 client intermittently (a few in a hundred on a busy machine) loses its place in the
   * frames of an answer to that upgrade larger than the 64 KiB initial flow-control window, as this document is:
   * {@code ProtocolException: protocol error: Frame type(116) length(6906721) exceeds MAX_FRAME_SIZE(16384)}, a frame
   * header read from the middle of the document's text.
   * The gateway's frames are well formed; OpenAI SDKs speak HTTP/1.1 anyway.
   */
  private static final HttpClient HTTP_1_1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static OpenApiSpec spec;
  static List<ApiTour.Exchange> tour;

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    HttpResponse<String> served = document();
    assertThat(served.statusCode()).isEqualTo(200);
    spec = new OpenApiSpec(served.body());
    tour = ApiTour.run(f);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  @Test
  void isServedWithoutAKeyAsOpenApi31() throws Exception {
    HttpResponse<String> served = document();

    assertThat(served.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(spec.root.path("openapi").asText()).startsWith("3.1.");
    assertThat(spec.root.path("components").path("securitySchemes").has("apiKey")).isTrue();
    assertThat(spec.root.path("components").path("securitySchemes").has("adminToken")).isTrue();
  }

  @Test
  void describesEveryRouteTheRouterServesAndNoOther() {
    assertThat(spec.operations()).containsExactlyInAnyOrderElementsOf(servedOperations());
  }

  @Test
  void everyOperationIsUnderTheSecurityItsPathNeeds() {
    for (String operation : spec.operations()) {
      String[] parts = operation.split(" ", 2);
      OpenApiSpec.Located op = spec.operation(parts[0], parts[1]);
      String security = spec.security(op).toString();
      if (parts[1].startsWith("/v1/")) {
        assertThat(security).as(operation).isEqualTo("[{\"apiKey\":[]}]");
        assertThat(spec.response(op, 401)).as("%s documents its 401", operation).isNotNull();
      } else if (parts[1].startsWith("/admin/")) {
        assertThat(security).as(operation).isEqualTo("[{\"adminToken\":[]}]");
        assertThat(spec.response(op, 401)).as("%s documents its 401", operation).isNotNull();
      } else {
        assertThat(security).as(operation).isEqualTo("[]");
      }
    }
  }

  @Test
  void everyErrorIsDocumentedInTheOpenAiShape() {
    for (String operation : spec.operations()) {
      String[] parts = operation.split(" ", 2);
      OpenApiSpec.Located op = spec.operation(parts[0], parts[1]);
      op.node().path("responses").fieldNames().forEachRemaining(status -> {
        if (status.startsWith("4") || (status.startsWith("5") && !parts[1].equals("/readyz"))) {
          OpenApiSpec.Located schema = spec.resolve(spec.resolve(op.child("responses").child(status))
              .child("content").child("application/json").child("schema"));
          assertThat(spec.violations(schema, errorBody())).as("%s %s accepts the error shape", operation, status).isEmpty();
        }
      });
      if (op.node().has("requestBody")) {
        assertThat(spec.response(op, 413)).as("%s documents 413 for a body over the limit", operation).isNotNull();
      }
    }
  }

  @Test
  void everyOperationWasCalledSuccessfullyByTheTour() {
    Set<String> succeeded = tour.stream().filter(e -> e.status() / 100 == 2)
        .map(e -> e.method() + " " + e.template()).collect(Collectors.toCollection(TreeSet::new));

    assertThat(succeeded).containsExactlyInAnyOrderElementsOf(spec.operations());
  }

  @Test
  void realAnswersValidateAgainstTheirDocumentedResponses() throws Exception {
    List<String> problems = new ArrayList<>();
    for (ApiTour.Exchange exchange : tour) {
      problems.addAll(check(exchange));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void requestsThatSucceededValidateAgainstTheirDocumentedBodies() throws Exception {
    List<String> problems = new ArrayList<>();
    for (ApiTour.Exchange exchange : tour) {
      if (exchange.status() / 100 != 2 || exchange.requestBody() == null) {
        continue;
      }
      OpenApiSpec.Located body = spec.operation(exchange.method(), exchange.template()).child("requestBody");
      assertThat(body.exists()).as("%s documents its request body", exchange).isTrue();
      OpenApiSpec.Located schema = spec.resolve(body).child("content").child("application/json").child("schema");
      spec.violations(schema, JSON.readTree(exchange.requestBody())).forEach(v -> problems.add(exchange + " request: " + v));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void unknownUrlsAnswerInTheErrorShape() throws Exception {
    HttpResponse<String> response = f.get("/v1/nothing-here", f.bearer());

    assertThat(response.statusCode()).isEqualTo(404);
    OpenApiSpec.Located error = new OpenApiSpec.Located(spec.root.at("/components/schemas/Error"), "/components/schemas/Error");
    assertThat(spec.violations(error, JSON.readTree(response.body()))).isEmpty();
  }

  /** {@code GET /openapi.json}, without a key, over HTTP/1.1. */
  private static HttpResponse<String> document() throws Exception {
    return HTTP_1_1.send(HttpRequest.newBuilder(URI.create(f.url("/openapi.json"))).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** What one real answer breaks of its documented response; empty when it matches. */
  private static List<String> check(ApiTour.Exchange exchange) throws Exception {
    List<String> problems = new ArrayList<>();
    OpenApiSpec.Located response = spec.response(spec.operation(exchange.method(), exchange.template()), exchange.status());
    if (response == null) {
      problems.add(exchange + ": status not documented");
      return problems;
    }
    problems.addAll(checkHeaders(exchange, response));
    OpenApiSpec.Located media = response.child("content").child(exchange.contentType());
    if (!media.exists()) {
      problems.add(exchange + ": content type " + exchange.contentType() + " not documented");
      return problems;
    }
    String body = exchange.response().body();
    if (exchange.contentType().equals("application/json")) {
      spec.violations(media.child("schema"), JSON.readTree(body)).forEach(v -> problems.add(exchange + ": " + v));
    } else if (exchange.contentType().equals("text/event-stream")) {
      for (String event : events(body)) {
        spec.violations(media.child("x-tollgate-event-schema"), JSON.readTree(event))
            .forEach(v -> problems.add(exchange + " event: " + v));
      }
    } else {
      spec.violations(media.child("schema"), TextNode.valueOf(body)).forEach(v -> problems.add(exchange + ": " + v));
    }
    return problems;
  }

  /** Every {@code x-tollgate-*} header of the answer is declared on its response, with a value its schema allows. */
  private static List<String> checkHeaders(ApiTour.Exchange exchange, OpenApiSpec.Located response) {
    List<String> problems = new ArrayList<>();
    Set<String> declared = spec.headerNames(response);
    exchange.response().headers().map().forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("x-tollgate-") && !(lower.equals("retry-after") && declared.contains(lower))) {
        return;
      }
      OpenApiSpec.Located header = spec.header(response, lower);
      if (header == null) {
        problems.add(exchange + ": header " + lower + " not documented");
        return;
      }
      for (String value : values) {
        spec.violations(header.child("schema"), TextNode.valueOf(value)).forEach(v -> problems.add(exchange + " " + lower + ": " + v));
      }
    });
    response.node().path("headers").fields().forEachRemaining(h -> {
      if (spec.resolve(response.child("headers").child(h.getKey())).node().path("required").asBoolean(false)
          && exchange.response().headers().firstValue(h.getKey()).isEmpty()) {
        problems.add(exchange + ": required header " + h.getKey() + " missing");
      }
    });
    return problems;
  }

  private static List<String> events(String stream) {
    List<String> out = new ArrayList<>();
    for (String line : stream.split("\n")) {
      if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
        out.add(line.substring("data: ".length()));
      }
    }
    assertThat(out).as("a stream carries events").isNotEmpty();
    return out;
  }

  private static JsonNode errorBody() {
    return JSON.createObjectNode().set("error", JSON.createObjectNode().put("message", "m").put("type", "t")
        .putNull("param").put("code", "c"));
  }

  /** The routes the running gateway's router really serves, as {@code "METHOD /path/{param}"}. */
  private static Set<String> servedOperations() {
    Set<String> out = new HashSet<>();
    VertxInternal vertx = (VertxInternal) f.vertx;
    vertx.deploymentManager().deployments().stream()
        .flatMap(d -> d.deployment().instances().stream())
        .filter(HttpVerticle.class::isInstance)
        .findFirst()
        .map(v -> ((HttpVerticle) v).routes())
        .orElseThrow(() -> new AssertionError("no HttpVerticle deployed"))
        .forEach(route -> out.addAll(operations(route)));
    assertThat(out).as("the router's routes").isNotEmpty();
    return out;
  }

  /**
   * A route's operations; routes without a method or with a wildcard are guards and fallbacks, not endpoints, and the
   * console's pages under {@code /console} are HTML for a browser, not API operations.
   */
  private static List<String> operations(Route route) {
    String path = route.getPath();
    if (path == null || path.contains("*") || route.methods() == null || route.methods().isEmpty()
        || path.equals("/console") || path.startsWith("/console/")) {
      return List.of();
    }
    String template = path.replaceAll(":([A-Za-z0-9_]+)", "{$1}");
    return route.methods().stream().map(m -> m.name() + " " + template).toList();
  }
}

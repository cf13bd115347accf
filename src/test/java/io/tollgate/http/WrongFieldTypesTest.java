package io.tollgate.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.auth.KeyScope;
import io.tollgate.auth.Keys;
import io.tollgate.testing.GatewayFixture;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every field of every admin and public JSON body, sent with each kind of value it does not accept: always a 400
 * {@code invalid_request_error} in the OpenAI shape, whose {@code param} names the field and whose message says
 * what was expected; never a 500, and nothing created, charged or changed.
 */
class WrongFieldTypesTest {
  @TempDir
  static Path dir;

  static GatewayFixture f;
  static String accountId;
  static String keyId;

  /** What a field accepts. */
  enum Kind { TEXT, OBJECT, TEXTS, INTEGER, BOOLEAN }

  /** A wrong value, as JSON text, and the kinds it is wrong for. */
  private record Sample(String label, String json, List<Kind> wrongFor) {}

  private static final String PLACEHOLDER = "@sample@";
  private static final String DEEP = "{\"a\":".repeat(64) + "1" + "}".repeat(64);

  private static final List<Sample> SAMPLES = List.of(
      new Sample("a string", "\"key\"", List.of(Kind.OBJECT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("an object", "{\"a\":1}", List.of(Kind.TEXT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("an array with a number", "[1,\"x\"]", List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("a number", "42", List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.BOOLEAN)),
      new Sample("a fraction", "1.5", List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("a boolean", "true", List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.INTEGER)),
      new Sample("1e400", "1e400", List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("an integer past 64 bits", "123456789012345678901234567890",
          List.of(Kind.TEXT, Kind.OBJECT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)),
      new Sample("a deep object", DEEP, List.of(Kind.TEXT, Kind.TEXTS, Kind.INTEGER, Kind.BOOLEAN)));

  /** One field of a body; {@code required} ones also refuse null. A dotted name is a field of a nested object. */
  private record Field(String name, Kind kind, boolean required) {}

  /** An endpoint with a valid body and the fields that body's handler reads. */
  private record Endpoint(String method, String path, String validBody, boolean admin, List<Field> fields) {}

  private static Field required(String name, Kind kind) {
    return new Field(name, kind, true);
  }

  private static Field optional(String name, Kind kind) {
    return new Field(name, kind, false);
  }

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir);
    accountId = f.project.accountId();
    keyId = new Keys(f.store, f.clock).create(f.project.id(), "rescoped", KeyScope.DEFAULT).key().id();
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  private static List<Endpoint> endpoints() {
    String account = "/admin/accounts/" + accountId;
    long future = System.currentTimeMillis() + 86_400_000L;
    return List.of(
        new Endpoint("POST", "/admin/accounts", "{\"name\":\"n\"}", true, List.of(required("name", Kind.TEXT))),
        new Endpoint("POST", account + "/projects", "{\"name\":\"p\"}", true, List.of(required("name", Kind.TEXT))),
        new Endpoint("POST", "/admin/projects/" + f.project.id() + "/keys",
            "{\"name\":\"k\",\"scope\":{\"models\":[],\"route_types\":[\"routed\"],\"allow_bucket_change\":false}}", true,
            List.of(optional("name", Kind.TEXT), optional("scope", Kind.OBJECT), optional("scope.models", Kind.TEXTS),
                optional("scope.route_types", Kind.TEXTS), optional("scope.allow_bucket_change", Kind.BOOLEAN))),
        new Endpoint("PUT", "/admin/keys/" + keyId + "/scope",
            "{\"models\":[],\"route_types\":[\"routed\",\"official\"],\"allow_bucket_change\":false}", true,
            List.of(optional("models", Kind.TEXTS), optional("route_types", Kind.TEXTS),
                optional("allow_bucket_change", Kind.BOOLEAN))),
        new Endpoint("POST", account + "/topups",
            "{\"bucket\":\"RMB\",\"amount\":\"1.5\",\"idempotency_key\":\"t1\",\"note\":\"n\"}", true,
            List.of(required("bucket", Kind.TEXT), required("amount", Kind.TEXT), required("idempotency_key", Kind.TEXT),
                optional("note", Kind.TEXT))),
        new Endpoint("POST", account + "/topups", "{\"bucket\":\"RMB\",\"amount_micros\":1500000,\"idempotency_key\":\"t2\"}",
            true, List.of(optional("amount_micros", Kind.INTEGER))), // null leaves no amount: refused as 'amount' missing
        new Endpoint("POST", account + "/adjustments",
            "{\"bucket\":\"RMB\",\"amount_micros\":5,\"idempotency_key\":\"a1\",\"note\":\"n\"}", true,
            List.of(required("bucket", Kind.TEXT), required("amount_micros", Kind.INTEGER),
                required("idempotency_key", Kind.TEXT), required("note", Kind.TEXT))),
        new Endpoint("POST", account + "/conversions",
            "{\"from\":\"CREDIT\",\"to\":\"RMB\",\"amount\":\"1\",\"rate\":\"7.1\",\"idempotency_key\":\"c1\",\"note\":\"n\"}", true,
            List.of(required("from", Kind.TEXT), required("to", Kind.TEXT), required("amount", Kind.TEXT),
                required("rate", Kind.TEXT), required("idempotency_key", Kind.TEXT), optional("note", Kind.TEXT))),
        new Endpoint("PUT", account + "/overdraft", "{\"bucket\":\"RMB\",\"overdraft_micros\":0}", true,
            List.of(required("bucket", Kind.TEXT), required("overdraft_micros", Kind.INTEGER))),
        new Endpoint("POST", "/admin/redeem-codes",
            "{\"bucket\":\"RMB\",\"amount\":\"1\",\"uses\":1,\"expires_at_ms\":" + future + "}", true,
            List.of(required("bucket", Kind.TEXT), required("amount", Kind.TEXT), optional("uses", Kind.INTEGER),
                optional("expires_at_ms", Kind.INTEGER))),
        new Endpoint("POST", "/admin/limits",
            "{\"scope\":\"account\",\"subject\":\"" + accountId + "\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"10\"}",
            true, List.of(required("scope", Kind.TEXT), required("subject", Kind.TEXT), required("metric", Kind.TEXT),
                required("bucket", Kind.TEXT), required("window", Kind.TEXT), required("cap", Kind.TEXT))),
        new Endpoint("POST", "/admin/limits",
            "{\"scope\":\"account\",\"subject\":\"" + accountId + "\",\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap_micros\":1000}",
            true, List.of(optional("cap_micros", Kind.INTEGER))), // null leaves no cap: refused as 'cap' missing
        new Endpoint("POST", "/admin/limits",
            "{\"scope\":\"route_key\",\"subject\":\"" + keyId + "\",\"metric\":\"requests\",\"window\":\"day\",\"cap\":5,"
                + "\"model\":\"chat-a\",\"route_type\":\"routed\"}",
            true, List.of(required("cap", Kind.INTEGER), required("model", Kind.TEXT), required("route_type", Kind.TEXT))),
        new Endpoint("POST", "/v1/wallet/redeem", "{\"code\":\"tgr-0000000000\"}", false,
            List.of(required("code", Kind.TEXT))),
        new Endpoint("POST", "/v1/limits", "{\"metric\":\"requests\",\"window\":\"day\",\"cap\":5}", false,
            List.of(required("metric", Kind.TEXT), required("window", Kind.TEXT), required("cap", Kind.INTEGER),
                optional("model", Kind.TEXT))),
        new Endpoint("POST", "/v1/limits",
            "{\"metric\":\"spend\",\"bucket\":\"RMB\",\"window\":\"day\",\"cap\":\"1\",\"model\":\"chat-a\",\"route_type\":\"routed\"}",
            false, List.of(required("bucket", Kind.TEXT), required("cap", Kind.TEXT), required("route_type", Kind.TEXT))));
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Endpoint endpoint : endpoints()) {
      for (Field field : endpoint.fields()) {
        for (Sample sample : SAMPLES) {
          if (sample.wrongFor().contains(field.kind())) {
            out.add(Arguments.of(endpoint.method() + " " + endpoint.path(), field.name(), sample.label(), endpoint, field,
                sample.json()));
          }
        }
        if (field.required()) {
          out.add(Arguments.of(endpoint.method() + " " + endpoint.path(), field.name(), "null", endpoint, field, "null"));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} = {2}")
  @MethodSource("cases")
  void aFieldOfTheWrongTypeIsRefusedNamingTheFieldAndChangesNothing(String route, String name, String label,
      Endpoint endpoint, Field field, String json) {
    String before = snapshot();
    JsonObject body = new JsonObject(endpoint.validBody());
    put(body, field.name(), PLACEHOLDER);
    // the sample goes in as written: re-encoding would turn 1e400 into the string "Infinity"
    String text = body.encode().replace("\"" + PLACEHOLDER + "\"", json);

    HttpResponse<String> response = send(endpoint, text);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("param")).as(response.body()).isEqualTo(field.name());
    assertThat(error.getString("code")).as(response.body())
        .isEqualTo("null".equals(json) ? "missing_required_parameter" : "invalid_type");
    assertThat(error.getString("message")).as(response.body()).contains(field.name()).contains("expected")
        .doesNotContain("java.").doesNotContain("Exception").doesNotContain("Infinity");
    assertThat(snapshot()).as("nothing created, charged or changed").isEqualTo(before);
  }

  @Test
  void aBodyNestedPastTheParsersDepthIsRefusedAsBadJson() {
    String tooDeep = "{\"name\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
    String before = snapshot();

    HttpResponse<String> response = f.post("/admin/accounts", tooDeep, f.admin());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonObject error = new JsonObject(response.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_json");
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("message")).doesNotContain("Exception").doesNotContain("StreamReadConstraints");
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void nullForAnOptionalFieldMeansTheFieldIsAbsent() {
    HttpResponse<String> response = f.post("/admin/projects/" + f.project.id() + "/keys",
        "{\"name\":null,\"scope\":null}", f.admin());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonObject key = new JsonObject(response.body());
    assertThat(key.getString("name")).isEqualTo("key");
    assertThat(key.getJsonObject("scope").getJsonArray("route_types")).isEqualTo(new JsonArray(List.of("routed", "official")));
  }

  private static void put(JsonObject body, String dotted, Object value) {
    int dot = dotted.indexOf('.');
    if (dot < 0) {
      body.put(dotted, value);
      return;
    }
    put(body.getJsonObject(dotted.substring(0, dot)), dotted.substring(dot + 1), value);
  }

  private static HttpResponse<String> send(Endpoint endpoint, String body) {
    String[] auth = endpoint.admin() ? f.admin() : f.bearer();
    return "PUT".equals(endpoint.method()) ? f.put(endpoint.path(), body, auth) : f.post(endpoint.path(), body, auth);
  }

  /** Every row a refused request could have created or changed, as text. */
  private static String snapshot() {
    return f.store.read(c -> {
      StringBuilder out = new StringBuilder();
      for (String table : List.of("accounts", "projects", "api_keys", "ledger_accounts", "transfers", "entries", "holds",
          "receipts", "redeem_codes", "limits")) {
        try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + table + " ORDER BY 1"); ResultSet rs = s.executeQuery()) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            out.append(table);
            for (int i = 1; i <= columns; i++) {
              out.append('|').append(rs.getString(i));
            }
            out.append('\n');
          }
        }
      }
      return out.toString();
    });
  }
}

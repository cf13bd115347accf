package io.tollgate.receipts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.MutableClock;
import io.tollgate.testing.Tenant;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/receipts} and {@code /admin/receipts} narrowed on the server by key, model, route type, outcome and day. */
class ReceiptFiltersTest {
  private static final String CHAT_A = "{\"model\":\"chat-a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  private static final String CHAT_B = "{\"model\":\"chat-b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":20}";
  @TempDir
  Path dir;
  GatewayFixture f;
  /** 23:30 on 10 March in Asia/Shanghai, the test configuration's time zone. */
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T15:30:00Z"));
  Tenant alice;
  Tenant aliceBot;
  String first;
  String second;
  String third;

  /** The gateway on the store under test: the SQLite file here, PostgreSQL in {@link ReceiptFiltersPostgresTest}. */
  GatewayFixture gateway(Path dir, MutableClock clock) throws Exception {
    return GatewayFixture.start(dir, clock);
  }

  @BeforeEach
  void start() throws Exception {
    f = gateway(dir, clock);
    alice = Tenant.create(f, "alice");
    aliceBot = alice.anotherKey(f);
    first = id(f.post("/v1/chat/completions", CHAT_A, "authorization", "Bearer " + alice.key(), "x-tollgate-route", "official"));
    clock.advance(Duration.ofHours(1)); // past Shanghai midnight: 11 March
    second = id(aliceBot.chatRouted(f, CHAT_B, ""));
    clock.advance(Duration.ofMinutes(1)); // ids order by time: one millisecond apart is not enough to order them
    third = id(aliceBot.chatRouted(f, CHAT_A, ""));
  }

  @AfterEach
  void stop() throws Exception {
    f.close();
  }

  @Test
  void narrowsByKeyModelRouteTypeAndDayInTheConfiguredZone() {
    assertThat(ids("/v1/receipts", alice)).containsExactly(third, second, first);
    assertThat(ids("/v1/receipts?key_id=" + aliceBot.keyId(), alice)).containsExactly(third, second);
    assertThat(ids("/v1/receipts?model=chat-a", alice)).containsExactly(third, first);
    assertThat(ids("/v1/receipts?route_type=official", alice)).containsExactly(first);
    assertThat(ids("/v1/receipts?model=chat-a&route_type=routed", alice)).containsExactly(third);
    assertThat(ids("/v1/receipts?from=2026-03-10&to=2026-03-10", alice)).containsExactly(first);
    assertThat(ids("/v1/receipts?from=2026-03-11", alice)).containsExactly(third, second);
    assertThat(ids("/v1/receipts?to=2026-03-10", alice)).containsExactly(first);
  }

  @Test
  void narrowsByOutcome() {
    String outcome = new JsonObject(f.get("/v1/receipts/" + second, alice.bearer()).body()).getString("outcome");
    assertThat(outcome).isEqualTo("succeeded");
    assertThat(ids("/v1/receipts?outcome=succeeded", alice)).containsExactly(third, second, first);
    assertThat(ids("/v1/receipts?outcome=failed", alice)).isEmpty();
  }

  @Test
  void pagesThroughTheFilteredListWithAfter() {
    JsonObject page = page("/v1/receipts?model=chat-a&limit=1", alice);
    assertThat(page.getBoolean("has_more")).isTrue();
    assertThat(page.getString("last_id")).isEqualTo(third);
    JsonObject next = page("/v1/receipts?model=chat-a&limit=1&after=" + page.getString("last_id"), alice);
    assertThat(next.getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(first);
    assertThat(next.getBoolean("has_more")).isFalse();
  }

  @Test
  void aKeyNeverSeesAnotherProjectsReceiptsWhateverItFiltersBy() {
    Tenant bob = Tenant.create(f, "bob");
    assertThat(ids("/v1/receipts?key_id=" + alice.keyId(), bob)).isEmpty();
    assertThat(ids("/v1/receipts?model=chat-a", bob)).isEmpty();
    assertThat(ids("/admin/receipts?key_id=" + alice.keyId(), null)).containsExactly(first);
    assertThat(ids("/admin/receipts?project_id=" + bob.projectId() + "&model=chat-a", null)).isEmpty();
  }

  @Test
  void refusesABadFilterNamingItsParameter() {
    for (String[] bad : List.of(new String[] {"route_type=cheap", "route_type"}, new String[] {"outcome=won", "outcome"},
        new String[] {"from=10/03/2026", "from"}, new String[] {"to=2026-13-01", "to"},
        new String[] {"from=2026-03-11&to=2026-03-10", "to"})) {
      HttpResponse<String> refused = f.get("/v1/receipts?" + bad[0], alice.bearer());
      assertThat(refused.statusCode()).as(bad[0]).isEqualTo(400);
      JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
      assertThat(error.getString("param")).as(bad[0]).isEqualTo(bad[1]);
      assertThat(error.getString("type")).isEqualTo("invalid_request_error");
      assertThat(error.fieldNames()).contains("message", "code");
      assertThat(f.get("/admin/receipts?" + bad[0], f.admin()).statusCode()).as(bad[0]).isEqualTo(400);
    }
  }

  /**
   * FAILING (review7): a filter value is free text bound as an SQL parameter; one holding a NUL byte ({@code %00}) must
   * be answered (200) or refused with 400, never fail the query. PostgreSQL refuses NUL in a text parameter ("invalid
   * byte sequence for encoding UTF8: 0x00"), so {@code key_id}, {@code model} and the {@code after} cursor answer 500
   * there (fails in {@link ReceiptFiltersPostgresTest}; SQLite answers 200).
   */
  @Test
  void aFilterValueWithANulByteIsNeverAServerError() {
    for (String query : List.of("key_id=key%00x", "model=chat-a%00", "after=req%00", "model=%00&limit=1")) {
      for (String path : List.of("/v1/receipts?" + query, "/admin/receipts?" + query)) {
        HttpResponse<String> answer = path.startsWith("/admin") ? f.get(path, f.admin()) : f.get(path, alice.bearer());
        assertThat(answer.statusCode()).as(path + " " + answer.body()).isIn(200, 400);
        if (answer.statusCode() == 400) {
          assertThat(new JsonObject(answer.body()).getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
        }
      }
    }
  }

  private JsonObject page(String path, Tenant as) {
    HttpResponse<String> response = as == null ? f.get(path, f.admin()) : f.get(path, as.bearer());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private List<String> ids(String path, Tenant as) {
    return page(path, as).getJsonArray("data").stream().map(r -> ((JsonObject) r).getString("id")).toList();
  }

  private static String id(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
  }
}

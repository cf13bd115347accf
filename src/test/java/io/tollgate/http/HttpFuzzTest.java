package io.tollgate.http;

import io.tollgate.auth.KeyScope;
import io.tollgate.config.Bucket;
import io.tollgate.testing.GatewayFixture;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RawHttp.Answer;
import io.tollgate.testing.Tenant;
import io.tollgate.testing.Wallets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fixed-seed fuzz of the public and admin endpoints, over raw sockets: mutated JSON bodies, odd path and query
 * values, and damaged HTTP. Whatever comes in, the gateway answers (never a silent close), never with a 5xx (the
 * only one allowed is 505 for an HTTP version it does not speak; the models asked for either succeed or are
 * refused, so no upstream 502/503/504 is expected), every error is in the OpenAI shape, and a refused request
 * moves no money: no wallet changes and no transfer is written. Client timeouts are short so that a request the
 * damage left incomplete is answered (408) quickly; should a loaded machine make a whole request miss them, its
 * 408 passes every check all the same.
 */
class HttpFuzzTest {
  private static final long SEED = 0x7011_6a7eL;
  private static final int BODY_CASES = 400;
  private static final int PATH_CASES = 120;
  private static final int DAMAGE_CASES = 150;

  @TempDir
  static Path dir;
  static GatewayFixture f;
  static Tenant other;
  static String limitsKey;

  /** One endpoint that reads a JSON body, with a valid body to mutate. */
  record Target(String method, String path, boolean admin, Supplier<Map<String, Object>> template) {}

  @BeforeAll
  static void start() throws Exception {
    f = GatewayFixture.start(dir, """
        header_timeout_ms: 200
        body_timeout_ms: 200
        """);
    other = Tenant.create(f, "fuzz-other");
    // a key of its own: a fuzzed body that happens to be a valid limit only tightens this key
    limitsKey = f.newKey(KeyScope.DEFAULT);
  }

  @AfterAll
  static void stop() throws Exception {
    f.close();
  }

  /** Every case runs; the failures are reported together, each with the request that caused it. */
  private final SoftAssertions softly = new SoftAssertions();

  @AfterEach
  void report() {
    softly.assertAll();
  }

  @Test
  void mutatedJsonBodiesAreAnsweredWithoutA5xxAndRefusedOnesChargeNothing() throws Exception {
    FuzzInputs fuzz = new FuzzInputs(SEED);
    List<Target> targets = targets();
    for (int i = 0; i < BODY_CASES; i++) {
      Target target = fuzz.pick(targets);
      byte[] body = fuzz.body(target.template().get());
      byte[] request = request(target.method(), target.path(), target.admin() ? f.adminToken : f.key, body);
      check("body case " + i + " " + target.method() + " " + target.path() + " " + printable(body), request);
    }
  }

  @Test
  void oddPathsAndQueriesAreAnsweredWithoutA5xx() throws Exception {
    FuzzInputs fuzz = new FuzzInputs(SEED + 1);
    List<String> shapes = List.of("/v1/models/%s", "/v1/routes/%s", "/v1/receipts/%s", "/v1/receipts?limit=%s&after=%s",
        "/v1/wallet/ledger?bucket=%s&format=%s", "/v1/wallet/ledger?bucket=RMB&limit=%s&after=%s", "/v1/catalog?%s",
        "/admin/receipts?project_id=%s", "/admin/routes/spend?date=%s", "/admin/accounts/%s/wallet", "/admin/keys?project_id=%s",
        "/admin/limits?subject=%s", "/admin/receipts/%s", "/%s", "/v1/%s");
    for (int i = 0; i < PATH_CASES; i++) {
      String path = fuzz.pick(shapes).formatted(fuzz.segment(), fuzz.segment());
      String method = fuzz.pick(List.of("GET", "GET", "GET", "DELETE", "HEAD", "OPTIONS"));
      String token = path.startsWith("/admin/") ? f.adminToken : f.key;
      byte[] request = request(method, path, token, new byte[0]);
      check("path case " + i + " " + method + " " + path, request);
    }
  }

  @Test
  void damagedHttpIsAlwaysAnsweredInTheErrorShape() throws Exception {
    FuzzInputs fuzz = new FuzzInputs(SEED + 2);
    byte[] valid = request("POST", "/v1/chat/completions", f.key,
        "{\"model\":\"chat-a\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < DAMAGE_CASES; i++) {
      byte[] damaged = fuzz.damage(valid);
      check("damage case " + i + " " + printable(damaged), damaged);
    }
  }

  private static List<Target> targets() {
    String account = other.accountId();
    return List.of(
        new Target("POST", "/v1/chat/completions", false, () -> Map.of("model", "chat-a", "max_tokens", 5,
            "messages", List.of(Map.of("role", "user", "content", "hi")))),
        new Target("POST", "/v1/chat/completions", false, () -> Map.of("model", "no-such-model",
            "messages", List.of(Map.of("role", "system", "content", "s"), Map.of("role", "user", "content", "hi")))),
        new Target("POST", "/v1/embeddings", false, () -> Map.of("model", "embed-a", "input", List.of("a", "b"))),
        new Target("POST", "/v1/quote", false, () -> Map.of("model", "chat-a", "prompt_tokens", 10, "max_tokens", 5)),
        new Target("POST", "/v1/wallet/redeem", false, () -> Map.of("code", "NOPE-NOPE")),
        new Target("POST", "/admin/accounts", true, () -> Map.of("name", "fuzzed")),
        new Target("POST", "/admin/accounts/" + account + "/projects", true, () -> Map.of("name", "fuzzed")),
        new Target("POST", "/admin/projects/" + other.projectId() + "/keys", true, () -> Map.of("name", "k",
            "scope", Map.of("models", List.of("chat-a"), "route_types", List.of("routed")))),
        new Target("PUT", "/admin/keys/" + other.keyId() + "/scope", true, () -> Map.of("models", List.of("chat-a"),
            "route_types", List.of("routed", "official"))),
        new Target("POST", "/admin/accounts/" + account + "/topups", true, () -> Map.of("bucket", "RMB", "amount", "1.00",
            "idempotency_key", "fuzz-topup")),
        new Target("POST", "/admin/accounts/" + account + "/adjustments", true, () -> Map.of("bucket", "RMB",
            "amount_micros", -1, "idempotency_key", "fuzz-adjust", "note", "fuzz")),
        new Target("POST", "/admin/accounts/" + account + "/conversions", true, () -> Map.of("from", "RMB", "to", "CREDIT",
            "amount", "1.00", "rate", "0.14", "idempotency_key", "fuzz-convert")),
        new Target("PUT", "/admin/accounts/" + account + "/overdraft", true, () -> Map.of("bucket", "RMB", "overdraft_micros", 0)),
        new Target("POST", "/admin/redeem-codes", true, () -> Map.of("bucket", "RMB", "amount", "1.00", "uses", 1)),
        new Target("POST", "/admin/limits", true, () -> Map.of("scope", "account", "subject", account, "metric", "spend",
            "bucket", "RMB", "window", "day", "cap", "100")));
  }

  /** Sends {@code request} on a new connection and checks what came back and what it did to the money. */
  private void check(String label, byte[] request) throws IOException {
    Money before = Money.now();
    Answer answer;
    try (Socket socket = RawHttp.connect(f.gateway.port())) {
      RawHttp.send(socket, request);
      answer = RawHttp.read(socket);
    }
    softly.assertThat(answer.silent()).as(label + ": answered").isFalse();
    softly.assertThat(answer.status() < 500 || answer.status() == 505).as(label + ": no 5xx, got " + answer.status() + " "
        + answer.body()).isTrue();
    if (answer.status() >= 400) {
      boolean headRequest = new String(request, 0, Math.min(5, request.length), StandardCharsets.ISO_8859_1).equals("HEAD ");
      if (!headRequest) {
        softly.assertThatCode(answer::error).as(label).doesNotThrowAnyException();
      }
      softly.assertThat(Money.now()).as(label + ": a refused request moves no money").isEqualTo(before);
    }
  }

  /** The money a refused request must not move: both fixture wallets, the other tenant's, and the transfer count. */
  record Money(long credit, long rmb, long otherCredit, long otherRmb, long transfers) {
    static Money now() {
      String account = f.project.accountId();
      return new Money(Wallets.balance(f.store, account, Bucket.CREDIT), Wallets.balance(f.store, account, Bucket.RMB),
          Wallets.balance(f.store, other.accountId(), Bucket.CREDIT), Wallets.balance(f.store, other.accountId(), Bucket.RMB),
          Wallets.count(f.store, "SELECT COUNT(*) FROM transfers"));
    }
  }

  private static byte[] request(String method, String path, String token, byte[] body) {
    String head = method + " " + path + " HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + (body.length > 0 || !method.equals("GET") ? "Content-Length: " + body.length + "\r\n" : "") + "\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static String printable(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    String shown = text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + " bytes)" : text;
    return shown.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
  }
}

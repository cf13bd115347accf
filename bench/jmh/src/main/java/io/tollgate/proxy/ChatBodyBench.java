package io.tollgate.proxy;

import io.tollgate.config.CatalogModel;
import io.tollgate.config.Price;
import io.tollgate.config.RouteType;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the request path does with a chat body before anything is held: parse it, check it against the model,
 * and count the prompt's tokens for the worst-case hold. In the gateway's package because the validator is
 * package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ChatBodyBench {
  /** small: the body bench/run.sh sends; conversation: 12 turns of about 300 characters each (~4 KB). */
  @Param({"small", "conversation"})
  public String body;

  private Buffer raw;
  private JsonObject parsed;
  private final CatalogModel model = new CatalogModel("bench-chat", "bench", 128_000, 4_096,
      Map.of(RouteType.ROUTED, new Price(1_000_000, 2_000_000, 0, 1_000_000)), false);

  @Setup
  public void setUp() {
    raw = Buffer.buffer(body.equals("small") ? small() : conversation());
    parsed = RequestValidator.parse(raw);
  }

  static String small() {
    return "{\"model\":\"bench-chat\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a terse assistant.\"},"
        + "{\"role\":\"user\",\"content\":\"Say hello in five words.\"}],\"max_tokens\":16}";
  }

  static String conversation() {
    String turn = "Here is a paragraph of ordinary prose that stands in for what people paste into a chat: a question, "
        + "some context about their project, a list of constraints, and a request to keep the answer short and "
        + "concrete, with an example if one helps. ";
    StringBuilder b = new StringBuilder("{\"model\":\"bench-chat\",\"temperature\":0.2,\"max_tokens\":512,\"messages\":[");
    b.append("{\"role\":\"system\",\"content\":\"You are a careful assistant.\"}");
    for (int i = 0; i < 12; i++) {
      b.append(",{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"").append(i).append(' ')
          .append(turn).append("\"}");
    }
    return b.append("]}").toString();
  }

  @Benchmark
  public JsonObject parseAndValidate() {
    JsonObject json = RequestValidator.parse(raw);
    RequestValidator.model(json);
    RequestValidator.chat(json, model);
    return json;
  }

  @Benchmark
  public long countPromptTokens() {
    return UsageReader.promptTokens(parsed, model);
  }
}

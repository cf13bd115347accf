package io.tollgate.research;

import io.tollgate.config.ResearchSection;
import io.tollgate.research.data.Bars;
import io.tollgate.research.indicators.IndicatorSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** The chat body of one section: the indicator table and the section's instructions; the model writes only prose. */
final class ResearchPrompts {
  static final String SYSTEM = "You write one section of a research note on a traded symbol. Use only the numbers in"
      + " the indicator table you are given; never invent figures, prices or targets. This is research support, not"
      + " financial advice: do not tell the reader to buy or sell. Write plain prose, at most a few paragraphs.";

  private ResearchPrompts() {}

  /** The body of {@code section}, with the texts of the sections it reads ({@code earlier}, by id; may be empty). */
  static JsonObject body(ResearchSection section, Bars bars, IndicatorSet indicators, Map<String, String> earlier) {
    StringBuilder user = new StringBuilder();
    user.append("Symbol: ").append(bars.symbol()).append('\n')
        .append("Data: ").append(bars.source()).append(", ").append(bars.first()).append(" to ").append(bars.last())
        .append(" (").append(bars.bars().size()).append(" daily bars)").append(bars.sample() ? " - SAMPLE DATA, not real prices" : "")
        .append("\n\nIndicator table (computed by the gateway):\n");
    for (IndicatorSet.Row row : indicators.table()) {
      user.append("| ").append(row.name()).append(" | ").append(row.value()).append(" | ").append(row.basis()).append(" |\n");
    }
    user.append("\nSection: ").append(section.title()).append('\n').append(section.instructions()).append('\n');
    for (String id : section.reads()) {
      user.append("\nEarlier section '").append(id).append("':\n").append(earlier.getOrDefault(id, "")).append('\n');
    }
    return new JsonObject().put("model", section.model()).put("max_tokens", section.maxTokens())
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "system").put("content", SYSTEM))
            .add(new JsonObject().put("role", "user").put("content", user.toString())));
  }
}

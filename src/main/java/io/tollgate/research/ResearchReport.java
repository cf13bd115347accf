package io.tollgate.research;

import io.tollgate.config.Bucket;
import io.tollgate.config.ResearchSection;
import io.tollgate.ledger.Money;
import io.tollgate.research.indicators.IndicatorSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The report of a run, in Markdown and HTML: the indicator table and chart (numbers from the gateway), each section's
 * prose (from its model) or its failure, assumptions, the data source and dates, the boundary (research support, not
 * financial advice), and the run receipt: estimate against actual per section and per bucket.
 */
record ResearchReport(String markdown, String html) {
  static final String BOUNDARY = "Research support, not financial advice.";

  static ResearchReport of(ResearchRun run, String status, long endedAtMs) {
    ResearchQuote q = run.quote;
    StringBuilder md = new StringBuilder();
    md.append("# ").append(q.symbol()).append(" - ").append(q.mode().name()).append(" research\n\n");
    md.append("**").append(BOUNDARY).append("** Every number below was computed by the gateway from the daily bars;")
        .append(" the models only wrote the prose around them.\n\n");
    if (q.bars().sample()) {
      md.append("> **Sample data**: the bundled synthetic set, not real prices.\n\n");
    }
    md.append("Data source: ").append(q.bars().source()).append("; ").append(q.bars().first()).append(" to ")
        .append(q.bars().last()).append(" (").append(q.bars().bars().size()).append(" daily bars). Run ").append(run.id)
        .append(", status ").append(status).append(".\n\n");
    md.append("## Indicators\n\n| indicator | value | basis |\n| --- | --- | --- |\n");
    for (IndicatorSet.Row row : q.indicators().table()) {
      md.append("| ").append(row.name()).append(" | ").append(row.value()).append(" | ").append(row.basis()).append(" |\n");
    }
    md.append("\n## Price chart\n\n").append(PriceChart.svg(q.bars())).append('\n');
    List<SectionResult> results = run.results();
    for (ResearchSection section : q.mode().sections()) {
      md.append("## ").append(section.title()).append("\n\n");
      SectionResult r = results.stream().filter(x -> x.id().equals(section.id())).findFirst().orElse(null);
      if (r == null || !r.status().equals("succeeded")) {
        md.append("> **This section ").append(r == null ? "did not run" : r.status()).append("**")
            .append(r == null || r.error() == null ? "" : ": " + r.error())
            .append(r == null || r.receiptId() == null ? "" : " (receipt " + r.receiptId() + ")").append(".\n\n");
      } else {
        md.append(r.text()).append("\n\n");
      }
    }
    md.append("## Assumptions\n\n")
        .append("- Returns are simple returns over 5, 21, 63 and 252 trading days; volatility is annualised with sqrt(252).\n")
        .append("- Moving averages, RSI, MACD and ATR follow the definitions in the indicator table; no dividends or splits are adjusted for unless the source adjusted them.\n")
        .append("- The window is the latest ").append(q.mode().windowDays()).append(" daily bars the source had.\n\n");
    md.append("## Risk factors\n\n")
        .append("- Past prices do not predict future prices; indicators describe the window above and nothing after it.\n")
        .append("- Model-written prose can be wrong or overconfident; check it against the table.\n")
        .append(q.bars().sample() ? "- The data is synthetic sample data.\n" : "- The data is as the source delivered it, unverified.\n");
    md.append('\n').append(receipt(run, q, endedAtMs));
    md.append("\n").append(BOUNDARY).append('\n');
    String text = md.toString();
    return new ResearchReport(text, Html.of(q.symbol() + " research", text));
  }

  /** The run receipt: mode, estimate against actual, and per section the route, leg, fallback, bucket and charge. */
  static String receipt(ResearchRun run, ResearchQuote q, long endedAtMs) {
    StringBuilder md = new StringBuilder("## Run receipt\n\n");
    long expectedMs = q.sections().stream().mapToLong(SectionQuote::expectedMs).sum();
    md.append("Mode ").append(q.mode().name()).append(", quote ").append(q.id()).append(", data fetched ")
        .append(q.dataFromCache() ? "from the cache" : "from the source (1 fetch)").append(". Time: expected ")
        .append(expectedMs).append(" ms, actual ").append(Math.max(0, endedAtMs - run.startedAtMs)).append(" ms.\n\n");
    md.append("| section | status | requested | upstream | leg | fallback | bucket | max (quoted) | charged | receipt | transfer |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    Map<Bucket, Long> charged = new EnumMap<>(Bucket.class);
    for (SectionQuote s : q.sections()) {
      SectionResult r = run.results().stream().filter(x -> x.id().equals(s.section().id())).findFirst().orElse(null);
      String bucket = r == null || r.bucket() == null ? null : r.bucket();
      if (bucket != null) {
        charged.merge(Bucket.valueOf(bucket), r.chargedMicros(), Long::sum);
      }
      md.append("| ").append(s.section().id()).append(" | ").append(r == null ? "not run" : r.status()).append(" | ")
          .append(s.section().model()).append(" | ").append(cell(r == null ? null : r.upstreamModel())).append(" | ")
          .append(cell(r == null ? null : r.leg())).append(" | ").append(r != null && r.fallback() ? "yes" : "no").append(" | ")
          .append(cell(bucket)).append(" | ").append(maxes(s.maxByBucket())).append(" | ")
          .append(bucket == null ? "-" : Money.format(r.chargedMicros(), Bucket.valueOf(bucket))).append(" | ")
          .append(cell(r == null ? null : r.receiptId())).append(" | ").append(cell(r == null ? null : r.transferId())).append(" |\n");
    }
    md.append("\n| bucket | expected | max (envelope) | charged |\n| --- | --- | --- | --- |\n");
    Map<Bucket, Long> expected = new EnumMap<>(Bucket.class);
    q.sections().forEach(s -> s.expectedByBucket().forEach((b, v) -> expected.merge(b, v, Long::sum)));
    for (Map.Entry<Bucket, Long> e : q.maxByBucket().entrySet()) {
      Bucket b = e.getKey();
      md.append("| ").append(b).append(" | ").append(Money.format(expected.getOrDefault(b, 0L), b)).append(" | ")
          .append(Money.format(e.getValue(), b)).append(" | ").append(Money.format(charged.getOrDefault(b, 0L), b)).append(" |\n");
    }
    return md.toString();
  }

  private static String maxes(Map<Bucket, Long> byBucket) {
    StringBuilder out = new StringBuilder();
    byBucket.forEach((b, v) -> out.append(out.length() == 0 ? "" : ", ").append(Money.format(v, b)));
    return out.toString();
  }

  private static String cell(String s) {
    return s == null ? "-" : s;
  }
}

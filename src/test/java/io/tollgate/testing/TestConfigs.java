package io.tollgate.testing;

/** Configuration texts for tests that load one directly. */
public final class TestConfigs {
  private TestConfigs() {}

  /** The least a configuration holds: one channel, one model with a routed price, its one route. */
  public static final String MINIMAL = """
      channels:
        - id: main
          base_url: http://127.0.0.1:9/v1
      models:
        - id: m
          prices:
            routed: {input: 1, output: 2}
      routes:
        - model: m
          type: routed
          legs:
            - channel: main
      """;
}

package io.tollgate.cli;

import io.tollgate.mock.MockUpstream;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tollgate mock-upstream}: the scriptable OpenAI-compatible upstream, for tests, demos and benchmarks. */
@Command(name = "mock-upstream", mixinStandardHelpOptions = true,
    description = {"Run a simulated OpenAI-compatible upstream. Per request behaviour comes from the x-mock header,",
        "for example 'x-mock: status=503' or 'x-mock: latency_ms=200,tps=50' or 'x-mock: drop_after=3'."})
final class MockUpstreamCommand implements Callable<Integer> {
  @Option(names = "--port", paramLabel = "N", defaultValue = "9090", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    MockUpstream mock = MockUpstream.start(vertx, port).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("Mock upstream serving on " + mock.baseUrl());
    new java.util.concurrent.CountDownLatch(1).await();
    return 0;
  }
}

package io.tollgate.cli;

import io.tollgate.app.Gateway;
import io.tollgate.config.LoggingConfig;
import io.tollgate.demo.Demo;
import io.tollgate.demo.Tour;
import io.tollgate.ledger.LedgerVerifier;
import io.tollgate.logs.LogSetup;
import io.tollgate.store.Store;
import io.tollgate.store.StoreException;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tollgate demo}: the built-in demo's guided tour. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "The built-in demo's guided tour.",
    subcommands = DemoCommand.TourCommand.class)
final class DemoCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code tollgate demo tour}: against a running demo, or one it starts for the tour's length. */
  @Command(name = "tour", mixinStandardHelpOptions = true,
      description = {"A guided run in five steps, each printing the curl command it ran: a request on a cheap routed",
          "route, its primary made to fail so a costlier backup serves, the two receipts side by side, the official",
          "route pushed into its daily cap until it refuses, and today's spend per route against its limits.",
          "With --url it tours a running demo (`tollgate serve --demo`); without, it starts a demo of its own on",
          "the demo's database (--data, default data/demo) for the tour's length and checks the ledger after it."})
  static final class TourCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL",
        description = "The address of a running demo, as `serve --demo` printed it (with or without /v1).")
    String url;

    @Option(names = "--key", paramLabel = "KEY", defaultValue = "${env:TOLLGATE_DEMO_KEY}",
        description = "With --url: the demo's API key, as `serve --demo` printed it (default: $TOLLGATE_DEMO_KEY).")
    String key;

    @Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
      if (url == null) {
        return inProcess();
      }
      if (key == null || key.isBlank()) {
        System.err.println("error: the tour needs the demo's API key: pass the key `tollgate serve --demo` printed with"
            + " --key (or set TOLLGATE_DEMO_KEY), or leave out --url to let the tour start a demo of its own");
        return 2;
      }
      List<String> problems = new ArrayList<>(Tour.run(url, key, System.out));
      System.out.println();
      System.out.println("The ledger after it: ./tollgate ledger verify --data " + (data.dir == null ? DataOption.DEMO_DIR : data.dir)
          + " (it only reads, so it runs beside the demo).");
      return verdict(problems);
    }

    /** Starts a demo on the demo's database, tours it, stops it and verifies the ledger. */
    private int inProcess() throws Exception {
      Clock clock = Clock.systemUTC();
      Store store;
      try {
        store = data.createDemo();
      } catch (StoreException e) {
        System.err.println("error: " + e.getMessage() + " To tour the demo that serves it, pass its address with --url"
            + " and the key it printed with --key.");
        return 1;
      } catch (RuntimeException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      }
      // the gateway's own log lines (one per request) would interleave with the tour; errors still show
      LogSetup.apply(new LoggingConfig(LoggingConfig.Format.TEXT, "error", false));
      Vertx vertx = Gateway.newVertx();
      try {
        Demo.Setup setup = Demo.prepare(vertx, store, clock);
        Gateway gateway = Gateway.start(vertx, setup.config(), store, 0, clock).toCompletionStage().toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
        System.out.println("Started a demo for the tour on " + store.file().toAbsolutePath().normalize() + "; it stops"
            + " when the tour ends. To repeat a command, start `./tollgate serve --demo` and use the address and key it"
            + " prints.");
        List<String> problems = new ArrayList<>();
        try {
          problems.addAll(Tour.run(gateway.baseUrl(), setup.key(), System.out));
        } finally {
          gateway.stop().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
        }
        LedgerVerifier.Report report = LedgerVerifier.verify(store, clock.millis());
        System.out.println();
        System.out.println("The ledger after the tour (tollgate ledger verify --data " + store.file().getParent() + "):");
        System.out.print(report.text());
        if (!report.ok()) {
          problems.add("ledger verify found broken invariants");
        }
        return verdict(problems);
      } finally {
        store.close();
        vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
      }
    }

    /** 0 when the tour showed everything it meant to; otherwise 1, after one line per thing that went otherwise. */
    private static int verdict(List<String> problems) {
      if (problems.isEmpty()) {
        return 0;
      }
      System.out.println();
      System.out.println("The tour did not go as expected:");
      problems.forEach(p -> System.out.println("  - " + p));
      return 1;
    }
  }
}

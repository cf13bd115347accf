package io.tollgate.cli;

import io.tollgate.app.Gateway;
import io.tollgate.config.ConfigException;
import io.tollgate.config.ConfigHolder;
import io.tollgate.config.ConfigLoader;
import io.tollgate.demo.Demo;
import io.tollgate.logs.LogSetup;
import io.tollgate.proxy.Accounting;
import io.tollgate.store.Store;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tollgate serve}: runs the gateway until stopped. SIGHUP reloads the configuration. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Run the gateway. With --demo: the demo, on a database of its own.",
        "The demo serves a demo configuration, a simulated upstream, a demo account",
        "and key; its database is data/demo unless --data says otherwise."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
  private static volatile boolean running;

  @Option(names = "--config", paramLabel = "FILE",
      description = "The YAML configuration (default: tollgate.yaml). Not with --demo, which serves its own.")
  Path config;

  @Mixin
  DataOption data;

  @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default: the configuration's server.port, else 8080).")
  Integer port;

  @Option(names = "--demo", description = {"Serve the built-in demo: simulated upstream, demo account and key, in a database"
      + " of its own (default: data/demo) that a real gateway never uses."})
  boolean demo;

  @Option(names = "--no-accounting", description = "Measurement only: serve without prompt counting, holds, limits,"
      + " charges or receipts, to show what accounting costs (bench/run.sh). Every response says so in x-tollgate-accounting.")
  boolean noAccounting;

  /** What stops the gateway this process serves; the shutdown hook runs it, and so do tests of serve. */
  private static volatile Runnable stopper;

  static boolean keepsRunning() {
    return running;
  }

  /** Stops the gateway that {@code serve} started in this process, if any, and releases its database. */
  static synchronized void stop() {
    Runnable s = stopper;
    stopper = null;
    running = false;
    if (s != null) {
      s.run();
    }
  }

  @Override
  public Integer call() throws Exception {
    if (demo && config != null) {
      System.err.println("error: --demo serves its own configuration (" + Demo.configFile(data.demoFile())
          + "); leave out --config " + config + ", or leave out --demo to serve that file");
      return 2;
    }
    Vertx vertx = io.tollgate.app.Gateway.newVertx();
    Clock clock = Clock.systemUTC();
    Store store;
    ConfigHolder holder;
    Demo.Setup demoSetup = null;
    ConfigLoader loader = new ConfigLoader(System::getenv);
    Path file = config == null ? Path.of("tollgate.yaml") : config;
    try {
      // the configuration names the store (store.kind): its store section is read first, the rest once it is open
      store = demo ? data.createDemo() : data.create(loader.storeOf(file));
    } catch (ConfigException e) {
      System.err.println("error: invalid configuration\n" + e.getMessage());
      vertx.close();
      return 2;
    } catch (RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      vertx.close();
      return 1;
    }
    try {
      if (demo) {
        demoSetup = Demo.prepare(vertx, store, clock);
        holder = demoSetup.config();
      } else {
        holder = new ConfigHolder(loader.load(file), loader);
      }
    } catch (ConfigException e) {
      System.err.println("error: invalid configuration\n" + e.getMessage());
      store.close();
      vertx.close();
      return 2;
    }
    // from here the process logs as the configuration says, and follows each reload
    holder.afterSwap(c -> LogSetup.apply(c.logging()));
    int chosen = port != null ? port : holder.current().port();
    Gateway gateway;
    try {
      gateway = Gateway.start(vertx, holder, store, chosen, clock, noAccounting ? Accounting.OFF : Accounting.ON).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("error: cannot start on port " + chosen + ": " + (e.getCause() == null ? e : e.getCause()).getMessage());
      store.close();
      vertx.close();
      return 1;
    }
    Signals.onHangup(() -> {
      try {
        holder.reload();
      } catch (ConfigException e) {
        // ConfigHolder has logged the rejection with the file and the line; the previous configuration serves on
      }
    });
    stopper = () -> {
      gateway.stop().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
      store.close();
      vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
    };
    Runtime.getRuntime().addShutdownHook(new Thread(ServeCommand::stop, "tollgate-shutdown"));
    running = true;
    if (demoSetup != null) {
      System.out.println(demoSetup.banner(gateway.port()));
    } else {
      System.out.println("Tollgate is serving " + Plural.of(holder.current().models().size(), "model") + " on http://127.0.0.1:"
          + gateway.port() + "/v1 (database " + store.describe() + (store.shared() ? ", node " + store.node() : "") + ")"
          + (vertx.isNativeTransportEnabled() ? "" : " (the JDK's network transport: Linux's epoll did not load)"));
    }
    if (noAccounting) {
      LOG.warn("accounting is OFF: requests are served without holds, limits, charges or receipts");
      System.out.println("WARNING: accounting is off (--no-accounting). Nothing is held, limited, charged or receipted;"
          + " use this only to measure what accounting costs.");
    }
    System.out.flush();
    return 0;
  }
}

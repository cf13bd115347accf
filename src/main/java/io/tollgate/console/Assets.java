package io.tollgate.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/** The console's stylesheet and script, and uPlot from its WebJar, read from the jar once; nothing from a CDN. */
final class Assets {
  private static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
  private static final Map<String, String> TYPES = Map.of("console.css", "text/css; charset=utf-8",
      "console.js", "text/javascript; charset=utf-8", "uPlot.min.css", "text/css; charset=utf-8",
      "uPlot.iife.min.js", "text/javascript; charset=utf-8");
  private static final Map<String, Buffer> FILES = Map.of("console.css", read("/console/console.css"),
      "console.js", read("/console/console.js"), "uPlot.min.css", read(UPLOT + "uPlot.min.css"),
      "uPlot.iife.min.js", read(UPLOT + "uPlot.iife.min.js"));

  private Assets() {}

  static void serve(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    Buffer content = FILES.get(file);
    if (content == null) {
      ctx.response().setStatusCode(404).end();
      return;
    }
    ctx.response().putHeader("content-type", TYPES.get(file)).putHeader("cache-control", "max-age=300").end(content);
  }

  private static Buffer read(String name) {
    try (InputStream in = Assets.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("console asset missing from the jar: " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

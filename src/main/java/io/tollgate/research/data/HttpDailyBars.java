package io.tollgate.research.data;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Daily bars over HTTP in the public "daily bars CSV" format served at {@code <base>/q/d/l/?s=<symbol>&i=d}: a header
 * {@code Date,Open,High,Low,Close,Volume} and one line per day, or the text {@code No data} for an unknown symbol.
 * The base URL is configurable, so tests and air-gapped operators point it at their own server.
 */
public final class HttpDailyBars implements MarketData {
  private final Vertx vertx;
  private final HttpClient client;
  private final String baseUrl;
  private final long timeoutMs;

  public HttpDailyBars(Vertx vertx, String baseUrl, long timeoutMs) {
    if (timeoutMs <= 0) {
      throw new IllegalArgumentException("timeoutMs: " + timeoutMs + " (expected: > 0)");
    }
    this.vertx = vertx;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.timeoutMs = timeoutMs;
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE)));
  }

  /** The URL of {@code symbol}'s daily bars. */
  String url(String symbol) {
    return baseUrl + "/q/d/l/?s=" + URLEncoder.encode(symbol.toLowerCase(Locale.ROOT), StandardCharsets.UTF_8) + "&i=d";
  }

  @Override
  public Future<Bars> daily(String symbol) {
    String checked;
    try {
      checked = MarketData.checkSymbol(symbol);
    } catch (MarketDataException e) {
      return Future.failedFuture(e);
    }
    // the chain runs on one Vert.x context: a response handled from another thread could emit its body before the
    // body handler is set, and the fetch would never end
    Promise<Bars> out = Promise.promise();
    Context context = Vertx.currentContext() != null ? Vertx.currentContext() : vertx.getOrCreateContext();
    context.runOnContext(v -> fetch(checked).onComplete(out));
    return out.future();
  }

  private Future<Bars> fetch(String checked) {
    String url = url(checked);
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).setIdleTimeout(timeoutMs))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() != 200) {
            throw new MarketDataException(url + " answered HTTP " + response.statusCode() + " (expected: 200)");
          }
          String text = body.toString(StandardCharsets.UTF_8);
          if (text.isBlank() || text.trim().equalsIgnoreCase("No data")) {
            throw new MarketDataException("no data for " + checked + " at " + url);
          }
          return new Bars(checked, url, false, BarsCsv.parse(text, url));
        }))
        .recover(e -> Future.failedFuture(e instanceof MarketDataException ? e
            : new MarketDataException("could not fetch " + url + ": " + e.getMessage(), e)));
  }

  @Override
  public String describe() {
    return "daily bars CSV over HTTP at " + baseUrl;
  }

  public Future<Void> close() {
    return client.close();
  }
}

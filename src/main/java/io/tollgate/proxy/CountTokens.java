package io.tollgate.proxy;

import io.tollgate.auth.KeyAuthenticator;
import io.tollgate.config.ConfigHolder;
import io.tollgate.http.ErrorRenderer;
import io.tollgate.providers.anthropic.AnthropicDialect;
import io.tollgate.routing.RoutePlanner;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/messages/count_tokens}: the prompt of a Messages request counted as the gateway counts it to size
 * a hold (its tokenizer, images by the model's rule), for a model the key may use. Nothing is called upstream,
 * held or charged.
 */
final class CountTokens {
  private final ConfigHolder config;
  private final KeyAuthenticator auth;

  CountTokens(ConfigHolder config, KeyAuthenticator auth) {
    this.config = config;
    this.auth = auth;
  }

  void handle(RoutingContext ctx) {
    AnthropicDialect dialect = AnthropicDialect.INSTANCE;
    auth.authenticate(dialect.credential(ctx.request()::getHeader))
        .map(key -> {
          JsonObject chat = dialect.toChatForCount(RequestValidator.parse(ctx.body().buffer()));
          String model = RequestValidator.model(chat);
          var plan = RoutePlanner.plan(config.current(), key.scope(), model, ctx.request().getHeader("x-tollgate-route"), false);
          RequestValidator.chat(chat, plan.model());
          return new JsonObject().put("input_tokens", UsageReader.promptTokens(chat, plan.model()));
        })
        .onSuccess(counted -> ctx.response().putHeader("content-type", "application/json").end(counted.encode()))
        .onFailure(failure -> dialect.sendError(ctx.response(), ErrorRenderer.toApi(failure)));
  }
}

package io.tollgate.proxy;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** What the relay's unit tests drive it with: a streamed call, and fakes of the connections on either side. */
final class RelayFakes {
  private RelayFakes() {}

  /** A streamed chat call for model {@code m}, its hold sized, as the request path hands one to the relay. */
  static Call streamedCall() {
    Call call = new Call("req_test", 0, "chat.completions", null, true);
    call.body = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    call.plan = new io.tollgate.routing.RoutePlan(new io.tollgate.config.CatalogModel("m", "test", 128_000, 4_096,
        Map.of(), false), null, List.of());
    call.demand = new io.tollgate.pricing.Demand(1, 17, 17, 4_096, 4_096, 4_096);
    return call;
  }

  /**
   * An implementation of {@code type} answering through {@code calls}; where that answers null, fluent methods return
   * the fake itself, futures succeed, booleans are false and numbers 0.
   */
  @SuppressWarnings("unchecked")
  static <T> T fake(Class<T> type, BiFunction<Method, Object[], Object> calls) {
    return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      Object answer = calls.apply(method, args);
      if (answer != null) {
        return answer;
      }
      Class<?> returns = method.getReturnType();
      if (returns.isInstance(proxy)) {
        return proxy;
      }
      if (returns == Future.class) {
        return Future.succeededFuture();
      }
      if (returns == boolean.class) {
        return false;
      }
      if (returns == int.class || returns == long.class) {
        return returns == int.class ? (Object) 0 : (Object) 0L;
      }
      return null;
    });
  }
}

package io.tollgate.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the writer's prepared statements for reuse. The SQLite driver compiles a statement on every
 * {@code prepareStatement}; the writer runs the same few dozen statements for every request, so compiling each
 * once saves most of its time. A statement handed out is exclusively the caller's until it closes it (which
 * returns it to the cache); a statement asked for while its cached copy is in use is prepared afresh.
 * Only for the writer's single thread.
 */
final class StatementCache {
  private StatementCache() {}

  static Connection wrap(Connection connection) {
    Map<String, PreparedStatement> idle = new HashMap<>();
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("prepareStatement") && args != null && args.length == 1 && args[0] instanceof String sql) {
        PreparedStatement cached = idle.remove(sql);
        if (cached == null) {
          cached = connection.prepareStatement(sql);
        }
        return returning(cached, sql, idle);
      }
      if (method.getName().equals("close")) {
        for (PreparedStatement statement : idle.values()) {
          statement.close();
        }
        idle.clear();
      }
      return invoke(connection, method, args);
    };
    return (Connection) Proxy.newProxyInstance(StatementCache.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  /** A view of {@code statement} whose {@code close} puts it back instead of closing it. */
  private static PreparedStatement returning(PreparedStatement statement, String sql, Map<String, PreparedStatement> idle) {
    boolean[] returned = {false};
    boolean[] batched = {false};
    InvocationHandler handler = (proxy, method, args) -> {
      if (method.getName().equals("close")) {
        if (!returned[0]) {
          returned[0] = true;
          statement.clearParameters();
          if (batched[0]) {
            // a batch left by a failure between addBatch and executeBatch must not run with the next user's
            statement.clearBatch();
          }
          PreparedStatement other = idle.putIfAbsent(sql, statement);
          if (other != null) {
            statement.close();
          }
        }
        return null;
      }
      if (method.getName().equals("addBatch")) {
        batched[0] = true;
      }
      if (method.getName().equals("isClosed")) {
        return returned[0] || statement.isClosed();
      }
      return invoke(statement, method, args);
    };
    return (PreparedStatement) Proxy.newProxyInstance(StatementCache.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class}, handler);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}

package io.tollgate.store;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of database work run on a connection the store lends for its duration. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Connection connection) throws SQLException;
}

package io.tollgate.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.store.NodeLock;
import io.tollgate.store.Store;
import io.tollgate.testing.Postgres;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link NodeLock#alive}: true while a process holds the node's name (its writer's session advisory lock), false once
 * its connection is gone; what an Idempotency-Key claim's takeover asks besides expiry.
 */
class NodeLockTest {
  static String url;
  static Store observer;

  @BeforeAll
  static void start() {
    url = Postgres.freshSchema("node_lock");
    observer = Postgres.open(url, "observer");
  }

  @AfterAll
  static void stop() {
    observer.close();
    Postgres.drop(url);
  }

  @Test
  void aNodeIsAliveWhileItsProcessHoldsItsNameAndDeadOnceItsConnectionIsGone() throws InterruptedException {
    // names whose hashes fall on both signs: pg_locks shows the keys as unsigned oids
    for (String node : new String[] {"gw-x", "gw-a", "gw-b", "gw-dead", "node-7"}) {
      assertThat(alive(node)).as("%s before it starts", node).isFalse();
      Store process = Postgres.open(url, node);
      try {
        assertThat(alive(node)).as("%s while it runs", node).isTrue();
      } finally {
        process.close();
      }
      // PostgreSQL drops the lock when the server process of the closed connection exits: a moment later
      for (int i = 0; i < 100 && alive(node); i++) {
        Thread.sleep(50);
      }
      assertThat(alive(node)).as("%s once it stopped", node).isFalse();
    }
    assertThat(alive("observer")).as("the reader's own node").isTrue();
  }

  private static boolean alive(String node) {
    return observer.read(c -> {
      try (PreparedStatement s = c.prepareStatement("SELECT " + NodeLock.alive("?"))) {
        s.setString(1, node);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    });
  }
}

package io.tollgate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

/** The gateway's Vert.x uses Linux's epoll transport where it can (the benchmark machine is Linux x86-64). */
class NativeTransportTest {
  @Test
  void epollIsUsedOnLinux() {
    assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
        && System.getProperty("os.arch").matches("amd64|x86_64"), "epoll's native library is bundled for Linux x86-64 only");
    Vertx vertx = Gateway.newVertx();
    try {
      assertThat(vertx.isNativeTransportEnabled()).as(String.valueOf(vertx.unavailableNativeTransportCause())).isTrue();
    } finally {
      vertx.close().await();
    }
  }
}

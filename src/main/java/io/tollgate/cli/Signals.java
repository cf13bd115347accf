package io.tollgate.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** SIGHUP handling. The JDK offers it only through {@code sun.misc.Signal}; where that is missing, reload stays HTTP-only. */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  @SuppressWarnings("removal")
  static void onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
    } catch (IllegalArgumentException | LinkageError e) {
      LOG.warn("SIGHUP reload is not available here; use POST /admin/config/reload");
    }
  }
}

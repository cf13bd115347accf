package io.tollgate.console;

/** A page that cannot be shown to this session: the status and the message the page says. */
final class PageException extends RuntimeException {
  private final int status;

  PageException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static PageException notFound(String what) {
    return new PageException(404, what + " was not found in your account.");
  }

  int status() {
    return status;
  }

  String title() {
    return status == 404 ? "Not found" : status == 403 ? "Refused" : "Could not do that";
  }
}

package io.tollgate.console;

/** A page that cannot be shown to this session: the status and the message the page says. */
final class PageException extends RuntimeException {
  private final int status;

  /** HTML shown under the notice (the form to correct what was refused); empty for none. */
  private final String after;

  PageException(int status, String message) {
    this(status, message, "");
  }

  private PageException(int status, String message, String after) {
    super(message, null, false, false);
    this.status = status;
    this.after = after;
  }

  /** The same refusal, with {@code html} (a form to correct it, say) shown under its notice. */
  PageException followedBy(String html) {
    return new PageException(status, getMessage(), html);
  }

  String after() {
    return after;
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

package io.tollgate.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A client that walks away: it sends a streamed chat over a plain socket, reads the response head and the
 * first server-sent event, and closes the connection, as a user closing a browser tab would.
 */
final class FailureMatrixClient {
  private static final int READ_TIMEOUT_MS = 10_000;

  /** What the client saw before it hung up. */
  record HungUp(String statusLine, String requestId, String firstEvent) {}

  private FailureMatrixClient() {}

  static HungUp readFirstEventAndHangUp(int port, String key, String body, String mockHeader) throws IOException {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/chat/completions HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Authorization: Bearer " + key + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + content.length + "\r\n"
        + "x-mock: " + mockHeader + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(READ_TIMEOUT_MS);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(content);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      String responseHead = readUntil(in, new ByteArrayOutputStream(), "\r\n\r\n", "");
      String statusLine = responseHead.substring(0, responseHead.indexOf("\r\n"));
      // the body is chunked; an event is written whole, so it lies inside one chunk
      String received = readUntil(in, new ByteArrayOutputStream(), "\n\n", "data: ");
      int start = received.indexOf("data: ") + "data: ".length();
      String firstEvent = received.substring(start, received.indexOf("\n\n", start));
      return new HungUp(statusLine, header(responseHead, "x-tollgate-request-id"), firstEvent);
    }
  }

  /** Reads until {@code end} appears after {@code after}; returns everything read. */
  private static String readUntil(InputStream in, ByteArrayOutputStream into, String end, String after) throws IOException {
    while (true) {
      String text = into.toString(StandardCharsets.UTF_8);
      int from = text.indexOf(after);
      if (from >= 0 && text.indexOf(end, from + after.length()) >= 0) {
        return text;
      }
      int b = in.read();
      if (b < 0) {
        throw new IOException("the gateway closed the connection before '" + end + "'; received: " + text);
      }
      into.write(b);
    }
  }

  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** The payloads of the {@code data:} lines of a server-sent event stream, in order. */
  static List<String> events(String stream) {
    List<String> events = new ArrayList<>();
    for (String frame : stream.split("\n\n")) {
      if (frame.startsWith("data: ")) {
        events.add(frame.substring("data: ".length()));
      }
    }
    return events;
  }
}

package io.tollgate.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no HTTP client would send: what the gateway answered, byte for byte,
 * and whether it then closed the connection. Reads wait at most {@link #READ_LIMIT_MS}, a bound far above any
 * timeout a test configures, so a slow machine never fails a test that only checks outcomes.
 */
public final class RawHttp {
  public static final int READ_LIMIT_MS = 20_000;

  private RawHttp() {}

  /**
   * One answer.
   *
   * @param status the status code, or -1 when the connection ended (closed or reset) before a status line
   */
  public record Answer(int status, Map<String, String> headers, String body) {
    public boolean silent() {
      return status < 0;
    }

    /** The body's {@code error} object, after checking the body is exactly the OpenAI error shape. */
    public JsonObject error() {
      JsonObject json = new JsonObject(body);
      if (!json.fieldNames().equals(java.util.Set.of("error"))) {
        throw new AssertionError("not the OpenAI error shape: " + body);
      }
      JsonObject error = json.getJsonObject("error");
      if (!error.fieldNames().containsAll(java.util.Set.of("message", "type", "param", "code"))
          || error.getString("message") == null || error.getString("message").isBlank()) {
        throw new AssertionError("not the OpenAI error shape: " + body);
      }
      return error;
    }

    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A socket to the gateway on {@code port}, from {@code localAddress} (any 127.x.y.z on Linux). */
  public static Socket connect(int port, String localAddress) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(READ_LIMIT_MS);
    return socket;
  }

  public static Socket connect(int port) throws IOException {
    return connect(port, "127.0.0.1");
  }

  /** Sends {@code request} on a new connection and reads one answer; the socket is closed afterwards. */
  public static Answer exchange(int port, byte[] request) throws IOException {
    try (Socket socket = connect(port)) {
      send(socket, request);
      return read(socket);
    }
  }

  public static Answer exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Writes {@code bytes}; a connection the gateway already closed is not an error here, the answer tells. */
  public static void send(Socket socket, byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    } catch (IOException e) {
      // the gateway may answer and close before it has read everything; what it answered is read next
    }
  }

  public static void send(Socket socket, String text) {
    send(socket, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Reads one answer (head, then a body of its Content-Length); a silent end is status -1. */
  public static Answer read(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String head;
    try {
      head = readHead(in);
    } catch (SocketException e) {
      return new Answer(-1, Map.of(), "");
    }
    if (head == null) {
      return new Answer(-1, Map.of(), "");
    }
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * True when the gateway closes the connection (end of stream or reset) within {@link #READ_LIMIT_MS}, having
   * sent nothing more; false when it sends bytes or keeps the connection open that long.
   */
  public static boolean closesWithoutMore(Socket socket) throws IOException {
    try {
      return socket.getInputStream().read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return head.size() == 0 ? null : fail(head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    return text.substring(0, text.length() - 4);
  }

  private static String fail(ByteArrayOutputStream partial) {
    throw new AssertionError("connection ended inside an answer's head: " + partial.toString(StandardCharsets.ISO_8859_1));
  }
}

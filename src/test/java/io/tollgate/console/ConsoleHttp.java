package io.tollgate.console;

import io.tollgate.testing.GatewayFixture;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A browser without a browser: plain HTTP to the console, keeping its cookies, reading CSRF tokens from its forms. */
final class ConsoleHttp {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private final GatewayFixture f;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();
  final Map<String, String> cookies = new LinkedHashMap<>();

  ConsoleHttp(GatewayFixture f) {
    this.f = f;
  }

  /** Creates a member of {@code accountId} through the admin API. */
  static void createMember(GatewayFixture f, String accountId, String email, String password) {
    HttpResponse<String> created = f.post("/admin/users", "{\"account_id\":\"" + accountId + "\",\"email\":\"" + email
        + "\",\"password\":\"" + password + "\"}", f.admin());
    if (created.statusCode() != 201) {
      throw new IllegalStateException("user refused: " + created.body());
    }
  }

  HttpResponse<String> signIn(String email, String password) {
    String csrf = csrfOf(get("/console/sign-in").body());
    return postForm("/console/sign-in", Map.of("csrf", csrf, "email", email, "password", password));
  }

  HttpResponse<String> signInAsOperator(String adminToken) {
    String csrf = csrfOf(get("/console/sign-in").body());
    return postForm("/console/sign-in", Map.of("csrf", csrf, "admin_token", adminToken));
  }

  static String csrfOf(String html) {
    Matcher m = CSRF.matcher(html);
    if (!m.find()) {
      throw new AssertionError("no CSRF field in: " + html);
    }
    return m.group(1);
  }

  /** The CSRF token of this session, read from a page's form. */
  String csrf() {
    return csrfOf(get("/console/keys").body());
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(f.url(path))).GET());
  }

  HttpResponse<String> postForm(String path, Map<String, String> fields) {
    StringJoiner body = new StringJoiner("&");
    fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return send(HttpRequest.newBuilder(URI.create(f.url(path))).header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    if (!cookies.isEmpty()) {
      StringJoiner header = new StringJoiner("; ");
      cookies.forEach((k, v) -> header.add(k + "=" + v));
      request.header("cookie", header.toString());
    }
    try {
      HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      for (String set : response.headers().allValues("set-cookie")) {
        String pair = set.split(";", 2)[0];
        String name = pair.substring(0, pair.indexOf('='));
        String value = pair.substring(pair.indexOf('=') + 1);
        if (value.isEmpty() || set.toLowerCase().contains("max-age=0")) {
          cookies.remove(name);
        } else {
          cookies.put(name, value);
        }
      }
      return response;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

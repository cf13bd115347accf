package io.tollgate.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One Lua script of this package, run by its SHA-1 ({@code EVALSHA}) and sent whole once when Redis does not know it
 * (a Redis that restarted has forgotten every script).
 */
final class Script {
  private final String name;
  private final String text;
  private final String sha;

  private Script(String name, String text) {
    this.name = name;
    this.text = text;
    this.sha = sha1(text);
  }

  /** The script {@code name}.lua beside this class, after {@code common.lua} (the functions the scripts share). */
  static Script load(String name) {
    return new Script(name, text("common") + "\n" + text(name));
  }

  private static String text(String name) {
    try (InputStream in = Script.class.getResourceAsStream(name + ".lua")) {
      if (in == null) {
        throw new IllegalStateException("script " + name + ".lua is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("script " + name + ".lua cannot be read", e);
    }
  }

  /** Runs the script with {@code keys} and {@code args}. */
  Future<Response> run(Redis redis, List<String> keys, List<String> args) {
    return redis.send(request(Command.EVALSHA, sha, keys, args)).recover(e -> {
      if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
        return redis.send(request(Command.EVAL, text, keys, args));
      }
      return Future.failedFuture(e);
    });
  }

  private static Request request(Command command, String script, List<String> keys, List<String> args) {
    Request request = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  @Override
  public String toString() {
    return name + ".lua";
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
    }
  }
}

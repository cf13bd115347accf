package io.tollgate.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Runs the {@code tollgate} command line in-process, as a user would type it, capturing what it prints. */
final class Cli {
  static final Pattern ADMIN_TOKEN = Pattern.compile("tga-[A-Za-z0-9]{40}");
  static final Pattern SECRET = Pattern.compile("tg-[A-Za-z0-9]{40}");

  private Cli() {}

  /** What one invocation returned and printed. */
  record Run(int code, String out, String err) {
    /** The first line of output, split on tabs: the CLI prints records as tab-separated columns. */
    String[] columns() {
      return out.lines().findFirst().orElseThrow(() -> new AssertionError("no output; stderr: " + err)).split("\t");
    }

    /** The first match of {@code pattern} in the output. */
    String find(Pattern pattern) {
      Matcher m = pattern.matcher(out);
      if (!m.find()) {
        throw new AssertionError("no " + pattern + " in the output: " + out + "\nstderr: " + err);
      }
      return m.group();
    }
  }

  /**
   * Runs {@code tollgate args...}; the commands print to System.out and System.err, so both are captured. A
   * {@code serve} returns once its gateway listens and keeps serving until {@link ServeCommand#stop()}.
   */
  static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code;
    try {
      System.setOut(capturedOut);
      System.setErr(capturedErr);
      CommandLine cli = Main.commandLine();
      cli.setOut(new PrintWriter(capturedOut, true));
      cli.setErr(new PrintWriter(capturedErr, true));
      code = cli.execute(args);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

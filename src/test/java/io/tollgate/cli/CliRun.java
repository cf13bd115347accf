package io.tollgate.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** One in-process run of {@code tollgate args...}, with what it printed to each stream. */
record CliRun(int code, String out, String err) {
  static CliRun of(String... args) {
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
    return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}

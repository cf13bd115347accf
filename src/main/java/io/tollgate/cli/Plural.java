package io.tollgate.cli;

/** Counts in plain English: "1 model", "3 models". */
final class Plural {
  private Plural() {}

  static String of(int count, String noun) {
    return count + " " + noun + (count == 1 ? "" : "s");
  }
}

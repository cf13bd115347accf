package io.tollgate.mock;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The mock's tokenizer and text generator. One whitespace-separated word counts as one token, so
 * tests can predict usage numbers by counting words instead of running a real tokenizer.
 */
final class Words {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private static final String[] LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit"
      + " sed do eiusmod tempor incididunt ut labore et dolore magna aliqua").split(" ");

  private Words() {
  }

  static int count(String text) {
    String trimmed = text.strip();
    return trimmed.isEmpty() ? 0 : WHITESPACE.split(trimmed).length;
  }

  /**
   * Deterministic filler of exactly {@code count} words: "Simulated reply from {@code model}: lorem
   * ipsum ...", cut or extended with lorem words as needed.
   */
  static List<String> filler(String model, int count) {
    List<String> prefix = List.of("Simulated", "reply", "from",
        WHITESPACE.matcher(model).replaceAll("_") + ":");
    List<String> words = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      words.add(i < prefix.size() ? prefix.get(i) : LOREM[(i - prefix.size()) % LOREM.length]);
    }
    return words;
  }
}

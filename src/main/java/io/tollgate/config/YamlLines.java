package io.tollgate.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Maps each JSON pointer of a YAML document to the line it starts on, so errors can name the line. */
final class YamlLines {
  private final Map<String, Integer> lines;

  private YamlLines(Map<String, Integer> lines) {
    this.lines = lines;
  }

  static YamlLines of(String yaml) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
          continue;
        }
        String pointer = parser.getParsingContext().pathAsPointer().toString();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          // the container's own pointer is that of its parent context
          pointer = parser.getParsingContext().getParent() == null
              ? "" : parser.getParsingContext().getParent().pathAsPointer().toString();
        }
        lines.putIfAbsent(pointer, parser.currentTokenLocation().getLineNr());
      }
    }
    return new YamlLines(lines);
  }

  /** The line of {@code pointer}, or of its closest ancestor that has one; 0 when unknown. */
  int lineOf(String pointer) {
    String p = pointer;
    while (true) {
      Integer line = lines.get(p);
      if (line != null) {
        return line;
      }
      int slash = p.lastIndexOf('/');
      if (slash < 0) {
        return 0;
      }
      p = p.substring(0, slash);
    }
  }
}

package io.tollgate.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README and every page it leads to: each relative link, and each Markdown file named in a code span (from the
 * page or from the repository's root), resolves to a file inside the repository (a fresh clone has nothing beside
 * it), and each {@code #anchor} to a heading.
 */
class ReadmeLinksTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().normalize();
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
  private static final Pattern CODE_PATH = Pattern.compile("`([^`\\s]+\\.md)`");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.+)$");

  @Test
  void everyRelativeLinkFromTheReadmeResolvesInsideTheRepository() throws IOException {
    List<String> broken = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    Deque<Path> pages = new ArrayDeque<>(List.of(ROOT.resolve("README.md")));
    while (!pages.isEmpty()) {
      Path page = pages.pop();
      if (!seen.add(page)) {
        continue;
      }
      String text = Files.readString(page);
      for (String target : targets(text)) {
        if (target.matches("^[a-z]+:.*")) {
          continue;
        }
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(resolved) && CODE_PATH.matcher(text).results().anyMatch(r -> r.group(1).equals(target))) {
          // a file named in a code span may be written from the repository's root, as commands run there
          resolved = ROOT.resolve(file).normalize();
        }
        String where = ROOT.relativize(page) + ": " + target;
        if (!resolved.startsWith(ROOT)) {
          broken.add(where + " (outside the repository)");
        } else if (!Files.exists(resolved)) {
          broken.add(where + " (no such file)");
        } else if (hash >= 0 && !anchors(Files.readString(resolved)).contains(target.substring(hash + 1))) {
          broken.add(where + " (no such heading)");
        } else if (resolved.toString().endsWith(".md")) {
          pages.add(resolved);
        }
      }
    }
    assertThat(broken).isEmpty();
    assertThat(seen).contains(ROOT.resolve("docs/billing.md"), ROOT.resolve("bench/RESULTS.md"));
  }

  private static List<String> targets(String markdown) {
    List<String> out = new ArrayList<>();
    for (Pattern pattern : List.of(LINK, CODE_PATH)) {
      Matcher m = pattern.matcher(markdown);
      while (m.find()) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  /** GitHub's anchors: headings lower-cased, punctuation dropped, spaces turned into hyphens. */
  private static Set<String> anchors(String markdown) {
    Set<String> out = new HashSet<>();
    Matcher m = HEADING.matcher(markdown);
    while (m.find()) {
      out.add(m.group(1).trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return out;
  }
}

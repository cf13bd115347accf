package io.tollgate.config;

import java.util.List;

/**
 * One research mode: the plan a run follows.
 *
 * @param windowDays how many daily bars (the latest) the indicators and the chart use
 * @param sections written in order; a section may read the text of earlier ones
 */
public record ResearchMode(String name, int windowDays, List<ResearchSection> sections) {
  public ResearchMode {
    sections = List.copyOf(sections);
  }
}

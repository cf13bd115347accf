package io.tollgate.config;

import java.util.List;

/**
 * One section of a research mode: one model call on the normal request path.
 *
 * @param model the catalog model that writes it
 * @param routeType the route type it asks for, or null for the key's preference
 * @param maxTokens the output allowance of its call ({@code max_tokens})
 * @param instructions what the model is asked to write, around the indicator table it is given
 * @param reads ids of earlier sections whose text it is given (a critique reads the cases it criticises)
 */
public record ResearchSection(String id, String title, String model, RouteType routeType, long maxTokens,
    String instructions, List<String> reads) {
  public ResearchSection {
    reads = List.copyOf(reads);
  }
}

package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review of ae9f07a / c1fbb30 (Checkpointer.Policy).
 *
 * <p>FAILS on c1fbb30. The checkpointer feeds the policy {@code NANOSECONDS.toMillis(System.nanoTime())}, whose origin
 * is arbitrary: the JDK says its values "may be negative". Policy keeps "not seen yet" as {@code pendingSinceMs = -1}
 * and tests it with {@code pendingSinceMs < 0}, so on a clock whose readings are negative every look takes itself for
 * the first one, the age never grows, and a few commits (fewer than 256 tasks) are never checkpointed: with
 * synchronous=NORMAL that is what syncs the log, so the documented "a power cut may lose about the last 200 ms" no
 * longer holds (the writer's own checkpoint, at thousands of pages, is then the only sync).
 */
class CheckpointPolicyReview12Test {
  @Test
  void aFewCommitsAreDueAfterTheAgeBoundOnAMonotonicClockWithNegativeReadings() {
    Checkpointer.Policy policy = new Checkpointer.Policy();
    policy.checkpointed(0);
    long t = -5_000_000L; // System.nanoTime() / 1e6 where the JVM's origin lies in the future
    assertThat(policy.due(3, t)).as("first seen").isFalse();
    assertThat(policy.due(3, t + Checkpointer.Policy.MAX_AGE_MS)).as("200 ms later").isTrue();
  }
}

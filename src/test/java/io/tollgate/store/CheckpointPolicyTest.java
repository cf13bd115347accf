package io.tollgate.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When the checkpointer copies the log: after enough committed work, or once the oldest commit not yet checkpointed is
 * old enough, and never while nothing was written (each checkpoint that lets the log start over costs the next
 * commit an fsync of the log's header).
 */
class CheckpointPolicyTest {
  private final Checkpointer.Policy policy = new Checkpointer.Policy();

  /** The checkpoint at start ran (see {@link #whatWasWrittenBeforeTheWriterIsCheckpointedOnceWithoutAnyTask}). */
  private Checkpointer.Policy started() {
    policy.checkpointed(0);
    return policy;
  }

  @Test
  void whatWasWrittenBeforeTheWriterIsCheckpointedOnceWithoutAnyTask() {
    // the schema's migrations commit on the writer's connection before it counts tasks
    assertThat(policy.due(0, 5_000)).as("first look").isFalse();
    assertThat(policy.due(0, 5_000 + Checkpointer.Policy.MAX_AGE_MS)).isTrue();
    policy.checkpointed(0);
    assertThat(policy.due(0, 60_000)).as("then nothing until work is committed").isFalse();
  }

  @Test
  void aCheckpointThatDidNotCompleteIsNotBookedAndStaysDue() {
    started();
    assertThat(policy.due(3, 0)).isFalse();
    assertThat(policy.due(3, Checkpointer.Policy.MAX_AGE_MS)).isTrue();
    // the checkpointer books only complete checkpoints: without the booking the next look is due again
    assertThat(policy.due(3, Checkpointer.Policy.MAX_AGE_MS + Checkpointer.INTERVAL_MS)).isTrue();
  }

  @Test
  void nothingWrittenIsNeverDueHoweverLongItWaits() {
    started();
    for (long now = 0; now <= 10 * Checkpointer.Policy.MAX_AGE_MS; now += Checkpointer.INTERVAL_MS) {
      assertThat(policy.due(0, now)).as("at %d ms", now).isFalse();
    }
  }

  @Test
  void aFewCommitsWaitForTheAgeBoundFromTheLookThatFirstSawThem() {
    started();
    assertThat(policy.due(0, 1_000)).isFalse();
    assertThat(policy.due(3, 1_020)).as("first seen").isFalse();
    assertThat(policy.due(5, 1_020 + Checkpointer.Policy.MAX_AGE_MS - 1)).isFalse();
    assertThat(policy.due(5, 1_020 + Checkpointer.Policy.MAX_AGE_MS)).isTrue();
  }

  @Test
  void enoughCommittedWorkIsDueAtOnce() {
    started();
    assertThat(policy.due(Checkpointer.Policy.TASKS - 1, 0)).isFalse();
    assertThat(policy.due(Checkpointer.Policy.TASKS, 0)).isTrue();
  }

  @Test
  void aCheckpointStartsBothCountsOver() {
    started();
    assertThat(policy.due(10, 0)).isFalse();
    assertThat(policy.due(10, Checkpointer.Policy.MAX_AGE_MS)).isTrue();
    policy.checkpointed(10);

    assertThat(policy.due(10, 10 * Checkpointer.Policy.MAX_AGE_MS)).as("nothing since").isFalse();
    assertThat(policy.due(11, 10 * Checkpointer.Policy.MAX_AGE_MS + 20)).as("first seen again").isFalse();
    assertThat(policy.due(11, 11 * Checkpointer.Policy.MAX_AGE_MS + 19)).isFalse();
    assertThat(policy.due(11, 11 * Checkpointer.Policy.MAX_AGE_MS + 20)).isTrue();
    assertThat(policy.due(10 + Checkpointer.Policy.TASKS, 10 * Checkpointer.Policy.MAX_AGE_MS + 40))
        .as("counted from the last checkpoint, not from zero").isTrue();
  }

  @Test
  void workCommittedWhileACheckpointRanIsStillPending() {
    started();
    // the count is read before the checkpoint runs: what the writer commits meanwhile is left for the next one
    assertThat(policy.due(Checkpointer.Policy.TASKS, 0)).isTrue();
    policy.checkpointed(Checkpointer.Policy.TASKS);
    assertThat(policy.due(Checkpointer.Policy.TASKS + 7, 20)).isFalse();
    assertThat(policy.due(Checkpointer.Policy.TASKS + 7, 20 + Checkpointer.Policy.MAX_AGE_MS)).isTrue();
  }
}

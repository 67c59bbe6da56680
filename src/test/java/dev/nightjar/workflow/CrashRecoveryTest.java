package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.NightlyWorld;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code jobs/nightly} process at three moments of the schedule (inside
 * a Delta write, inside a model save, during a model publish), each in the {@code --resume} run
 * recovering from the previous kill; after each the warehouse is consistent, and in the end the
 * tables and model versions equal an uninterrupted run's, also after a plain rerun of the date.
 * The earlier run is the shared {@link NightlyWorld}, and the uninterrupted run (the expected end
 * state) runs in this JVM: only the runs that are killed or recover are {@code jobs/nightly} processes.
 * {@code jobs/bench reliability} runs all ten moments.
 */
class CrashRecoveryTest {
  // Kept when the test fails: every run's log and warehouse are the evidence.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) static Path work;

  @Test
  void killedRunsLeaveConsistentTablesAndRecoverToTheUninterruptedResult() {
    KillHarness h = new KillHarness(SharedSpark.get(), work, System.out);
    List<KillHarness.Moment> all = h.moments();
    List<KillHarness.Moment> schedule = List.of(all.get(0), all.get(6), all.get(9));
    h.prepare(NightlyWorld.get()); // the expected states, run in this JVM; the kills hit real processes
    List<KillHarness.Outcome> outcomes = h.chain(schedule);
    assertEquals(3, outcomes.size());
    String report = outcomes.toString(); // the final comparison's problems are on the last outcome
    for (KillHarness.Outcome o : outcomes) {
      assertEquals(List.of(), o.problems(), report);
      assertTrue(o.killed() && o.consistent() && o.recovered() && o.equalAfterRerun(), report);
    }
  }
}

package dev.nightjar.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.time.LocalDate;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where jobs/nightly runs its actions: in its own JVM on a local master, one process each on a cluster. */
class NightlyModeTest {
  private static boolean inProcess(Map<String, String> sets, Map<String, String> options, Set<String> flags) {
    return NightlyJob.Options.inProcess(new JobContext("nightly", Settings.load(null, null, sets),
        LocalDate.parse("2026-11-20"), true, options, flags));
  }

  @Test
  void autoIsInProcessOnALocalMasterAndIsolatedOnACluster() {
    String saved = System.getProperty("spark.master");
    System.setProperty("spark.master", "local[2]");
    try {
      assertTrue(inProcess(Map.of(), Map.of(), Set.of()), "local master: one JVM, one session");
      assertFalse(inProcess(Map.of(), Map.of(NightlyJob.SPARK_ARGS, "--master\nspark://10.0.0.1:7077"), Set.of()));
      assertFalse(inProcess(Map.of(), Map.of(), Set.of("isolated")));
      assertTrue(inProcess(Map.of(), Map.of(NightlyJob.SPARK_ARGS, "--master\nyarn"), Set.of("in-process")));
      assertFalse(inProcess(Map.of("nightly.mode", "isolated"), Map.of(), Set.of()));
      assertTrue(inProcess(Map.of("nightly.mode", "isolated"), Map.of(), Set.of("in-process")), "a flag wins over the key");
      System.setProperty("spark.master", "yarn");
      assertFalse(inProcess(Map.of(), Map.of(), Set.of()), "jobs/nightly --master yarn");
    } finally {
      if (saved == null) {
        System.clearProperty("spark.master");
      } else {
        System.setProperty("spark.master", saved);
      }
    }
  }

  @Test
  void conflictingOrUnknownModesAreUsageErrors() {
    UsageException both = assertThrows(UsageException.class,
        () -> inProcess(Map.of(), Map.of(), Set.of("in-process", "isolated")));
    assertEquals("Give either --in-process or --isolated, not both", both.getMessage());
    UsageException mode = assertThrows(UsageException.class,
        () -> inProcess(Map.of("nightly.mode", "threads"), Map.of(), Set.of()));
    assertEquals("Cannot set nightly.mode to threads: expected one of auto, in-process, isolated", mode.getMessage());
  }
}

package dev.nightjar.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlessingGateTest {
  private static final List<BlessingGate.Threshold> AUC_MIN =
      List.of(new BlessingGate.Threshold("auc", true, 0.6));

  private static Map<String, Double> run(double auc, double logLoss) {
    return Map.of("auc", auc, "log_loss", logLoss);
  }

  /** Five healthy past runs, newest first. */
  private static final List<Map<String, Double>> HISTORY = List.of(
      run(0.80, 0.50), run(0.81, 0.51), run(0.79, 0.49), run(0.80, 0.50), run(0.82, 0.52));

  @Test
  void firstRunWithoutHistoryIsJudgedOnThresholdsOnly() {
    BlessingGate gate = new BlessingGate(AUC_MIN, 3, 7, 0.001);
    BlessingGate.Verdict v = gate.judge(run(0.61, 9.0), List.of());
    assertTrue(v.blessed());
    assertEquals(List.of("all 1 thresholds hold; no z-scores: 0 past runs, thresholds only"), v.reasons());
    // A single past run gives no spread either: still thresholds only, whatever the change.
    assertTrue(gate.judge(run(0.95, 0.1), List.of(run(0.61, 0.7))).blessed());
    BlessingGate.Verdict low = gate.judge(run(0.59, 0.5), List.of());
    assertFalse(low.blessed());
    assertEquals(List.of("auc = 0.5900, expected auc >= 0.6000"), low.reasons());
  }

  @Test
  void noThresholdConfiguredBlessesNothing() {
    BlessingGate gate = new BlessingGate(List.of(), 3, 7, 0.001);
    BlessingGate.Verdict v = gate.judge(run(0.80, 0.50), HISTORY);
    assertFalse(v.blessed());
    assertEquals(List.of(BlessingGate.NO_THRESHOLD), v.reasons());
  }

  @Test
  void zScoreBlocksACollapsedAucThatStillMeetsItsThreshold() {
    BlessingGate gate = new BlessingGate(AUC_MIN, 3, 7, 0.001);
    // 0.65 is above the threshold but far below the last runs (mean 0.804, sd 0.0114).
    BlessingGate.Verdict v = gate.judge(run(0.65, 0.50), HISTORY);
    assertFalse(v.blessed());
    assertEquals(1, v.reasons().size(), v.reasons().toString());
    assertTrue(v.reasons().get(0).startsWith("auc = 0.6500 is an outlier: z = -13.51 against the last 5 runs"
        + " (mean 0.8040, sd 0.01140)"), v.reasons().get(0));
    // A normal run passes, and says what it was compared with.
    BlessingGate.Verdict ok = gate.judge(run(0.80, 0.505), HISTORY);
    assertTrue(ok.blessed(), ok.reasons().toString());
    assertEquals(List.of("all 1 thresholds hold; no |z| > 3.000 among 2 metrics against the last 5 runs"), ok.reasons());
  }

  @Test
  void onlyTheLastHistoryRunsCount() {
    BlessingGate gate = new BlessingGate(AUC_MIN, 3, 2, 0.001);
    // The two newest runs are 0.80 and 0.81: 0.65 is still an outlier; with an old 0.65 run
    // beyond the window it stays one.
    List<Map<String, Double>> past = List.of(run(0.80, 0.5), run(0.81, 0.5), run(0.65, 0.5), run(0.66, 0.5));
    assertFalse(gate.judge(run(0.65, 0.5), past).blessed());
    assertTrue(new BlessingGate(AUC_MIN, 3, 4, 0.001).judge(run(0.65, 0.5), past).blessed());
  }

  @Test
  void identicalHistoryUsesTheStddevFloor() {
    BlessingGate gate = new BlessingGate(AUC_MIN, 3, 7, 0.01);
    List<Map<String, Double>> same = List.of(run(0.8, 0.5), run(0.8, 0.5), run(0.8, 0.5));
    assertTrue(gate.judge(run(0.8, 0.5), same).blessed());
    assertTrue(gate.judge(run(0.82, 0.5), same).blessed());
    assertFalse(gate.judge(run(0.85, 0.5), same).blessed());
  }

  @Test
  void readsThresholdsFromConfigurationAndSkipsNulls() {
    Config c = Settings.load(null, null, Map.of("monitoring.thresholds.log-loss-max", "null",
        "monitoring.thresholds.auc-min", "0.7", "monitoring.z-max", "2.5"));
    BlessingGate gate = BlessingGate.fromConfig(c, "monitoring");
    assertEquals(List.of(
        new BlessingGate.Threshold("auc", true, 0.7),
        new BlessingGate.Threshold("calibration_error", false, 0.05),
        new BlessingGate.Threshold("cpv_rmse_log", false, 0.6),
        new BlessingGate.Threshold("range_coverage_error", false, 0.08)), gate.thresholds());
    assertEquals(7, gate.history());
    Config none = Settings.load(null, null, Map.of(
        "monitoring.thresholds.auc-min", "null", "monitoring.thresholds.log-loss-max", "null",
        "monitoring.thresholds.calibration-error-max", "null",
        "monitoring.thresholds.range-coverage-error-max", "null",
        "monitoring.thresholds.cpv-rmse-log-max", "null"));
    assertEquals(List.of(), BlessingGate.fromConfig(none, "monitoring").thresholds());
    UsageException e = assertThrows(UsageException.class, () -> BlessingGate.fromConfig(
        Settings.load(null, null, Map.of("monitoring.thresholds.auc-min", "high")), "monitoring"));
    assertTrue(e.getMessage().contains("monitoring.thresholds.auc-min"), e.getMessage());
    UsageException z = assertThrows(UsageException.class, () -> BlessingGate.fromConfig(
        Settings.load(null, null, Map.of("monitoring.z-max", "0")), "monitoring"));
    assertTrue(z.getMessage().startsWith("Cannot set monitoring.z-max to 0: expected a number in"), z.getMessage());
  }
}

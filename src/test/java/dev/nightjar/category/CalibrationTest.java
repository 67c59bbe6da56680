package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  /** Counts whose positive share in each bin is sigmoid(a * z + b): the fit must give back (a, b). */
  private static long[] countsOf(double a, double b, long perBin) {
    long[] c = new long[2 * Calibration.BINS];
    for (int i = 0; i < Calibration.BINS; i += 10) {
      double p = 1 / (1 + Math.exp(-(a * Calibration.center(i) + b)));
      long pos = Math.round(perBin * p);
      c[2 * i + 1] = pos;
      c[2 * i] = perBin - pos;
    }
    return c;
  }

  @Test
  void fitRecoversTheLogisticRelationOfTheCounts() {
    Calibration c = Calibration.fit(countsOf(2.0, -0.5, 10_000_000L));
    assertEquals(2.0, c.a(), 1e-3);
    assertEquals(-0.5, c.b(), 1e-3);
    assertEquals(2.0 * 1.5 - 0.5, c.apply(1.5), 1e-2);
  }

  @Test
  void separableMarginsStillGetFiniteScores() {
    // Every negative at -1.5, every positive at +1.5: without Platt's targets the slope would diverge.
    long[] counts = new long[2 * Calibration.BINS];
    counts[2 * Calibration.bin(-1.5)] = 900;
    counts[2 * Calibration.bin(1.5) + 1] = 100;
    Calibration c = Calibration.fit(counts);
    assertTrue(Double.isFinite(c.a()) && c.a() > 0, "slope " + c.a());
    double p = 1 / (1 + Math.exp(-c.apply(1.5)));
    // The smoothed target of a positive: (100 + 1) / (100 + 2).
    assertEquals(101.0 / 102.0, p, 1e-3);
  }

  @Test
  void oneLabelOnlyKeepsTheMargins() {
    long[] counts = new long[2 * Calibration.BINS];
    counts[2 * Calibration.bin(0.3)] = 5;
    assertEquals(Calibration.IDENTITY, Calibration.fit(counts));
  }

  @Test
  void badInputsSayWhatWasExpected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Calibration.fit(new long[3]));
    assertEquals("Expected " + 2 * Calibration.BINS + " margin counts, found 3", e.getMessage());
    IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> Calibration.fromInfo(List.of("x")));
    assertEquals("Expected calibration as a list [a, b] of two numbers, found [x]", f.getMessage());
    assertEquals(new Calibration(1.5, -2.0), Calibration.fromInfo(List.of(1.5, -2)));
    assertEquals(Calibration.IDENTITY, Calibration.fromInfo(null));
  }

  @Test
  void marginsOutsideTheRangeFallInTheEndBins() {
    assertEquals(0, Calibration.bin(-1e9));
    assertEquals(Calibration.BINS - 1, Calibration.bin(1e9));
    assertEquals(Calibration.bin(0.004), Calibration.bin(0.006));
  }
}

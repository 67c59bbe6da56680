package dev.nightjar.model;

import java.util.ArrayList;
import java.util.List;

/** One parity check's counts: rows compared, rows that differ (a few described), the largest difference. */
public final class ParityTally {
  private static final int SAMPLES = 5;

  private long rows;
  private long mismatches;
  private double maxDiff;
  private final List<String> samples = new ArrayList<>();

  public void row() {
    rows++;
  }

  public void difference(double d) {
    maxDiff = Math.max(maxDiff, d);
  }

  public void miss(String what) {
    mismatches++;
    if (samples.size() < SAMPLES) {
      samples.add(what);
    }
  }

  public long rows() {
    return rows;
  }

  public long mismatches() {
    return mismatches;
  }

  public double maxDiff() {
    return maxDiff;
  }

  public List<String> samples() {
    return List.copyOf(samples);
  }
}

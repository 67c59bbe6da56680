package dev.nightjar.evaluation;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decides whether a trained model may be published: (a) every configured threshold holds and (b)
 * no metric is a z-score outlier ({@code |z| > zMax}) against the metrics of the last {@code
 * history} runs. With fewer than two past runs a spread is undefined, so only thresholds apply;
 * with no threshold configured nothing is blessed. Plain Java and free of Spark, so any job that
 * publishes a model can use it.
 *
 * <p>Configuration ({@link #fromConfig}): {@code PREFIX.z-max}, {@code PREFIX.history}, {@code
 * PREFIX.min-stddev} and {@code PREFIX.thresholds}, whose keys are {@code METRIC-min} or {@code
 * METRIC-max} with the metric's dashes for underscores ({@code auc-min} bounds metric {@code
 * auc}); a null value means no threshold.
 */
public final class BlessingGate {
  public static final String NO_THRESHOLD = "no threshold configured";

  /** A bound on one metric: {@code value >= min} or {@code value <= max}. */
  public record Threshold(String metric, boolean isMin, double bound) {
    boolean holds(double v) {
      return isMin ? v >= bound : v <= bound;
    }

    @Override
    public String toString() {
      return metric + (isMin ? " >= " : " <= ") + fmt(bound);
    }
  }

  /** The decision and why. */
  public record Verdict(boolean blessed, List<String> reasons) {
    public Verdict {
      reasons = List.copyOf(reasons);
    }
  }

  private final List<Threshold> thresholds;
  private final double zMax;
  private final int history;
  private final double minStddev;

  public BlessingGate(List<Threshold> thresholds, double zMax, int history, double minStddev) {
    if (!(zMax > 0) || history < 0 || !(minStddev >= 0)) {
      throw new IllegalArgumentException(
          "expected zMax > 0, history >= 0, minStddev >= 0, found " + zMax + ", " + history + ", " + minStddev);
    }
    this.thresholds = List.copyOf(thresholds);
    this.zMax = zMax;
    this.history = history;
    this.minStddev = minStddev;
  }

  /** Reads and validates {@code prefix.*}; throws {@link UsageException} naming a bad key. */
  public static BlessingGate fromConfig(Config c, String prefix) {
    double zMax = Settings.doubleIn(c, prefix + ".z-max", 1e-9, 1e9);
    int history = Settings.intIn(c, prefix + ".history", 0, 10_000);
    double minStd = Settings.doubleIn(c, prefix + ".min-stddev", 0, 1e9);
    List<Threshold> ts = new ArrayList<>();
    String tp = prefix + ".thresholds";
    if (c.hasPath(tp)) {
      Map<String, ConfigValue> sorted = new TreeMap<>();
      c.getConfig(tp).root().forEach(sorted::put);
      for (Map.Entry<String, ConfigValue> e : sorted.entrySet()) {
        String key = tp + "." + e.getKey();
        // --set KEY=null arrives as the string "null": both mean no threshold.
        if (e.getValue().valueType() == ConfigValueType.NULL
            || (e.getValue().valueType() == ConfigValueType.STRING && "null".equals(e.getValue().unwrapped()))) {
          continue;
        }
        boolean isMin = e.getKey().endsWith("-min");
        if (!isMin && !e.getKey().endsWith("-max")) {
          throw Settings.bad(key, e.getValue().unwrapped(), "a key named METRIC-min or METRIC-max");
        }
        if (e.getValue().valueType() != ConfigValueType.NUMBER) {
          throw Settings.bad(key, e.getValue().unwrapped(), "a number, or null for no threshold");
        }
        String metric = e.getKey().substring(0, e.getKey().length() - 4).replace('-', '_');
        ts.add(new Threshold(metric, isMin, Settings.doubleIn(c, key, -1e300, 1e300)));
      }
    }
    return new BlessingGate(ts, zMax, history, minStd);
  }

  public List<Threshold> thresholds() {
    return thresholds;
  }

  /** How many past runs the z-scores compare against. */
  public int history() {
    return history;
  }

  /**
   * Judges one run.
   *
   * @param metrics this run's gated metrics
   * @param past earlier runs' metrics, newest first; only the first {@link #history()} are used
   */
  public Verdict judge(Map<String, Double> metrics, List<Map<String, Double>> past) {
    List<String> failures = new ArrayList<>();
    if (thresholds.isEmpty()) {
      failures.add(NO_THRESHOLD);
    }
    for (Threshold t : thresholds) {
      Double v = metrics.get(t.metric());
      if (v == null || v.isNaN()) {
        failures.add(t.metric() + " is missing, expected " + t);
      } else if (!t.holds(v)) {
        failures.add(t.metric() + " = " + fmt(v) + ", expected " + t);
      }
    }
    List<Map<String, Double>> window = past.subList(0, Math.min(history, past.size()));
    int zChecked = 0;
    for (Map.Entry<String, Double> m : new TreeMap<>(metrics).entrySet()) {
      Band b = band(m.getKey(), window);
      if (b == null || m.getValue() == null || m.getValue().isNaN()) {
        continue;
      }
      zChecked++;
      double z = b.z(m.getValue());
      if (Math.abs(z) > zMax) {
        failures.add(String.format(Locale.ROOT, "%s = %s is an outlier: z = %.2f against the last %d runs"
            + " (mean %s, sd %s), |z| must be <= %s", m.getKey(), fmt(m.getValue()), z, b.runs(),
            fmt(b.mean()), fmt(b.sd()), fmt(zMax)));
      }
    }
    if (!failures.isEmpty()) {
      return new Verdict(false, failures);
    }
    String how = window.size() < 2
        ? "no z-scores: " + window.size() + " past run" + (window.size() == 1 ? "" : "s") + ", thresholds only"
        : "no |z| > " + fmt(zMax) + " among " + zChecked + " metrics against the last " + window.size() + " runs";
    return new Verdict(true, List.of("all " + thresholds.size() + " thresholds hold; " + how));
  }

  /** A metric's mean and standard deviation (floored at min-stddev) over past runs. */
  public record Band(double mean, double sd, int runs) {
    public double z(double v) {
      return sd == 0 ? (v == mean ? 0 : Double.POSITIVE_INFINITY) : (v - mean) / sd;
    }
  }

  /**
   * The z-score band of {@code metric} against the first {@link #history()} of {@code past}
   * (newest first), skipping runs without it; null with fewer than two values.
   */
  public Band band(String metric, List<Map<String, Double>> past) {
    List<Double> xs = new ArrayList<>();
    for (Map<String, Double> run : past.subList(0, Math.min(history, past.size()))) {
      Double x = run.get(metric);
      if (x != null && !x.isNaN()) {
        xs.add(x);
      }
    }
    if (xs.size() < 2) {
      return null;
    }
    double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double var = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / (xs.size() - 1);
    return new Band(mean, Math.max(Math.sqrt(var), minStddev), xs.size());
  }

  public double zMax() {
    return zMax;
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }
}

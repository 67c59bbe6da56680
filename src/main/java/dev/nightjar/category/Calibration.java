package dev.nightjar.category;

import java.util.List;

/**
 * Platt scaling of a decision's margin: probability {@code sigmoid(a * z + b)}. A model trained
 * with the hinge loss scores by margins, not log-odds; beam search multiplies the decisions'
 * probabilities along a path and the review queue thresholds the product, so the margins are
 * mapped to probabilities by one (a, b) for every decision, fitted by maximum likelihood to the
 * training decisions with Platt's smoothed targets. A logistic model needs none: (1, 0).
 *
 * <p>The fit reads a histogram of margins ({@link #BINS} bins of {@link #WIDTH} over
 * [-{@link #RANGE}, {@link #RANGE}], the ends open), so it is cheap and exact integer counts make
 * it the same whatever the partitioning.
 */
public record Calibration(double a, double b) {
  public static final Calibration IDENTITY = new Calibration(1.0, 0.0);
  static final double RANGE = 8.0;
  static final double WIDTH = 0.01;
  static final int BINS = (int) Math.round(2 * RANGE / WIDTH);

  /** The key of the calibration in a model's {@link KeslerModel#info()}: a list [a, b]. */
  public static final String INFO_KEY = "calibration";

  public double apply(double z) {
    return a * z + b;
  }

  static int bin(double z) {
    int i = (int) Math.floor((z + RANGE) / WIDTH);
    return Math.max(0, Math.min(BINS - 1, i));
  }

  static double center(int bin) {
    return -RANGE + (bin + 0.5) * WIDTH;
  }

  public List<Double> toInfo() {
    return List.of(a, b);
  }

  /** The calibration recorded in a model's info; {@link #IDENTITY} when there is none (logistic models). */
  public static Calibration fromInfo(Object value) {
    if (value == null) {
      return IDENTITY;
    }
    if (value instanceof List<?> l && l.size() == 2 && l.get(0) instanceof Number a && l.get(1) instanceof Number b) {
      return new Calibration(a.doubleValue(), b.doubleValue());
    }
    throw new IllegalArgumentException("Expected " + INFO_KEY + " as a list [a, b] of two numbers, found " + value);
  }

  /**
   * Maximum-likelihood (a, b) for counts {@code [2 * bin]} negatives and {@code [2 * bin + 1]}
   * positives per margin bin, with Platt's targets (N+ + 1) / (N+ + 2) and 1 / (N- + 2) so a
   * separable training set still gets finite scores. Newton's method with step halving.
   */
  public static Calibration fit(long[] counts) {
    if (counts.length != 2 * BINS) {
      throw new IllegalArgumentException("Expected " + 2 * BINS + " margin counts, found " + counts.length);
    }
    double pos = 0;
    double neg = 0;
    for (int i = 0; i < BINS; i++) {
      neg += counts[2 * i];
      pos += counts[2 * i + 1];
    }
    if (pos == 0 || neg == 0) {
      return IDENTITY;
    }
    double hi = (pos + 1) / (pos + 2);
    double lo = 1 / (neg + 2);
    double a = 1;
    double b = 0;
    double loss = loss(counts, hi, lo, a, b);
    for (int iter = 0; iter < 100; iter++) {
      double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
      for (int i = 0; i < BINS; i++) {
        double n0 = counts[2 * i];
        double n1 = counts[2 * i + 1];
        if (n0 + n1 == 0) {
          continue;
        }
        double z = center(i);
        double p = sigmoid(a * z + b);
        // d(cross-entropy)/d(logit) = p - target, summed over the bin's rows.
        double d = n1 * (p - hi) + n0 * (p - lo);
        double w = (n0 + n1) * p * (1 - p);
        ga += d * z;
        gb += d;
        haa += w * z * z;
        hab += w * z;
        hbb += w;
      }
      double det = haa * hbb - hab * hab;
      if (Math.abs(ga) + Math.abs(gb) < 1e-9 * (pos + neg) || det <= 0) {
        break;
      }
      double da = (hbb * ga - hab * gb) / det;
      double db = (haa * gb - hab * ga) / det;
      double step = 1;
      double next;
      while ((next = loss(counts, hi, lo, a - step * da, b - step * db)) > loss && step > 1e-10) {
        step /= 2;
      }
      if (next > loss) {
        break;
      }
      a -= step * da;
      b -= step * db;
      boolean converged = loss - next < 1e-12 * (pos + neg);
      loss = next;
      if (converged) {
        break;
      }
    }
    return new Calibration(a, b);
  }

  private static double loss(long[] counts, double hi, double lo, double a, double b) {
    double total = 0;
    for (int i = 0; i < BINS; i++) {
      double n0 = counts[2 * i];
      double n1 = counts[2 * i + 1];
      if (n0 + n1 == 0) {
        continue;
      }
      double t = a * center(i) + b;
      double lp = KeslerModel.logSigmoid(t);
      double lq = KeslerModel.logSigmoid(-t);
      total -= n1 * (hi * lp + (1 - hi) * lq) + n0 * (lo * lp + (1 - lo) * lq);
    }
    return total;
  }

  private static double sigmoid(double t) {
    return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
  }
}

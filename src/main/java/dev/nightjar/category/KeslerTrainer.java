package dev.nightjar.category;

import dev.nightjar.taxonomy.Taxonomy;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains the one binary logistic regression of Kesler's construction with AdaGrad, streaming
 * over products: each product's rows (class, label) are generated and their feature indices
 * hashed while the gradient is computed, so the expanded data never exists in memory or on disk.
 *
 * <p>The model is a float array of {@code 2 * numFeatures}: weight {@code i} at {@code 2i} and its
 * AdaGrad sum of squared gradients at {@code 2i+1}, side by side so one cache line serves both.
 * L2 regularization is applied lazily to the coordinates a row touches.
 */
public final class KeslerTrainer implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One labelled product: its true class (taxonomy index), weight, distinct terms, and a key for randomness. */
  public record Example(int trueIndex, float weight, List<String> terms, long key) implements Serializable {}

  /** Training hyper-parameters. */
  public record Settings(
      int numFeatures,
      KeslerExpansion.Mode mode,
      int sampledNegatives,
      double learningRate,
      double l2,
      long seed,
      boolean softmax,
      boolean hinge) implements Serializable {}

  private final Taxonomy taxonomy;
  private final Settings settings;
  private transient KeslerFeatures.Layout layout;

  public KeslerTrainer(Taxonomy taxonomy, Settings settings) {
    this.taxonomy = taxonomy;
    this.settings = settings;
  }

  public static float[] newModel(int numFeatures) {
    return new float[2 * numFeatures];
  }

  /**
   * One pass over {@code examples}, updating {@code model} in place.
   *
   * @param measureLoss whether to sum the log-loss (only logged; a logarithm per row costs ~5% of
   *     a pointwise epoch, so the classifier asks for it on the last epoch only)
   * @return the summed weighted log-loss (0 unless measured) and the number of rows, for progress logs
   */
  public double[] epoch(float[] model, Iterator<Example> examples, int epoch, boolean measureLoss) {
    if (layout == null) {
      layout = new KeslerFeatures.Layout(taxonomy, settings.numFeatures());
    }
    if (settings.softmax()) {
      return softmaxEpoch(model, examples);
    }
    final float lr = (float) settings.learningRate();
    final float l2 = (float) settings.l2();
    final boolean hinge = settings.hinge();
    double[] lossAndRows = new double[2];
    forEachRow(examples, epoch, true, (ex, enc, indices, label) -> {
      final float value = enc.value;
      final int m = enc.size();
      double z = margin(model, indices, m, value);
      double e = hinge ? 0 : Math.exp(-z);
      double y = label ? 1.0 : -1.0;
      // Hinge: a row already on the right side by a margin of 1 teaches nothing.
      float g = hinge
          ? (float) (y * z < 1 ? -y * ex.weight() : 0.0)
          : (float) ((1.0 / (1.0 + e) - (label ? 1.0 : 0.0)) * ex.weight());
      if (g == 0f && l2 == 0f) {
        lossAndRows[1] += 1;
        return;
      }
      for (int k = 0; k <= m; k++) {
        int j = 2 * indices[k];
        float x = k < m ? value : 1f;
        float grad = g * x + l2 * model[j];
        float acc = model[j + 1] + grad * grad;
        model[j + 1] = acc;
        model[j] -= lr * grad / (float) Math.sqrt(acc + 1e-8f);
      }
      if (measureLoss && hinge) {
        lossAndRows[0] += ex.weight() * Math.max(0, 1 - y * z);
      } else if (measureLoss) {
        // softplus(-z) = log(1 + e) and softplus(z) = z + log(1 + e), from e = exp(-z) above.
        double lp = e > 1e300 ? -z : Math.log1p(e);
        lossAndRows[0] += ex.weight() * (label ? lp : z + lp);
      }
      lossAndRows[1] += 1;
    });
    return lossAndRows;
  }

  /** One expanded row: its product, the product's encoded terms, the row's feature indices (terms, then the bias), its label. */
  private interface RowVisitor {
    void accept(Example ex, KeslerFeatures.Encoded enc, int[] indices, boolean label);
  }

  /**
   * Generates each product's rows (its expansion, with the epoch's sampled negatives when {@code
   * sampled}) and hashes each row's feature indices before handing it to {@code visitor}.
   */
  private void forEachRow(Iterator<Example> examples, int epoch, boolean sampled, RowVisitor visitor) {
    int[] idx = new int[64];
    while (examples.hasNext()) {
      Example ex = examples.next();
      KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(ex.terms());
      if (idx.length < enc.size() + 1) {
        idx = new int[2 * (enc.size() + 1)];
      }
      final int[] indices = idx;
      SplittableRandom random = sampled ? new SplittableRandom(settings.seed() ^ (ex.key() * 0x9E3779B97F4A7C15L) ^ epoch) : null;
      KeslerExpansion.forEach(taxonomy, ex.trueIndex(), settings.mode(), sampled ? settings.sampledNegatives() : 0, random,
          (c, label) -> {
            enc.indices(layout, c, indices);
            visitor.accept(ex, enc, indices, label);
          });
    }
  }

  /** A row's score under the interleaved model: its {@code m} term weights times {@code value}, plus the bias at {@code indices[m]}. */
  private static double margin(float[] model, int[] indices, int m, float value) {
    double z = 0;
    for (int k = 0; k < m; k++) {
      z += model[2 * indices[k]] * value;
    }
    return z + model[2 * indices[m]];
  }

  /**
   * The margins of {@code model} (interleaved as in training) on the rows of {@code examples}'
   * expansion, counted into {@link Calibration#BINS} bins by label: the data a Platt calibration
   * is fitted to. Counts are integers, so partitions add up to the same histogram in any order.
   */
  public long[] marginCounts(float[] model, Iterator<Example> examples) {
    if (layout == null) {
      layout = new KeslerFeatures.Layout(taxonomy, settings.numFeatures());
    }
    long[] counts = new long[2 * Calibration.BINS];
    forEachRow(examples, 0, false, (ex, enc, indices, label) ->
        counts[2 * Calibration.bin(margin(model, indices, enc.size(), enc.value)) + (label ? 1 : 0)]++);
    return counts;
  }

  /**
   * The sibling softmax: each decision greedy inference makes on the true path (the root's
   * children; below each inner node of the path its children and its stop class) is one softmax
   * over its candidates, trained with cross-entropy against the candidate on the true path, so
   * the true class is compared with each rival (Kesler's original construction) rather than each
   * candidate judged alone. Still one weight vector over class-prefixed features.
   */
  private double[] softmaxEpoch(float[] model, Iterator<Example> examples) {
    if (layout == null) {
      layout = new KeslerFeatures.Layout(taxonomy, settings.numFeatures());
    }
    final float lr = (float) settings.learningRate();
    final float l2 = (float) settings.l2();
    final int n = taxonomy.nodes().size();
    double[] lossAndRows = new double[2];
    int[] idx = new int[256];
    int[] cand = new int[16];
    double[] z = new double[16];
    double[] logp = new double[16];
    while (examples.hasNext()) {
      Example ex = examples.next();
      KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(ex.terms());
      final int m = enc.size();
      final float value = enc.value;
      List<Taxonomy.Node> lineage = taxonomy.lineage(ex.trueIndex());
      int u = 0;
      for (int level = 0; level <= lineage.size() && !taxonomy.isLeaf(u); level++) {
        int[] children = taxonomy.children(u);
        int count = children.length + (u != 0 ? 1 : 0);
        if (cand.length < count) {
          cand = new int[count];
          z = new double[count];
          logp = new double[count];
        }
        if (idx.length < count * (m + 1)) {
          idx = new int[2 * count * (m + 1)];
        }
        System.arraycopy(children, 0, cand, 0, children.length);
        if (u != 0) {
          cand[children.length] = n + u;
        }
        // The target: the path's next node, or the stop class when the path ends at u.
        int target = children.length;
        if (level < lineage.size()) {
          int next = lineage.get(level).index();
          for (int k = 0; k < children.length; k++) {
            if (children[k] == next) {
              target = k;
            }
          }
        }
        for (int k = 0; k < count; k++) {
          int at = k * (m + 1);
          enc.indices(layout, cand[k], idx, at);
          double s = 0;
          for (int i = 0; i < m; i++) {
            s += model[2 * idx[at + i]] * value;
          }
          z[k] = s + model[2 * idx[at + m]];
        }
        KeslerModel.logSoftmax(z, count, logp);
        for (int k = 0; k < count; k++) {
          float g = (float) ((Math.exp(logp[k]) - (k == target ? 1.0 : 0.0)) * ex.weight());
          int at = k * (m + 1);
          for (int i = 0; i <= m; i++) {
            int j = 2 * idx[at + i];
            float x = i < m ? value : 1f;
            float grad = g * x + l2 * model[j];
            float acc = model[j + 1] + grad * grad;
            model[j + 1] = acc;
            model[j] -= lr * grad / (float) Math.sqrt(acc + 1e-8f);
          }
        }
        lossAndRows[0] -= ex.weight() * logp[target];
        lossAndRows[1] += 1;
        if (level == lineage.size()) {
          break;
        }
        u = lineage.get(level).index();
      }
    }
    return lossAndRows;
  }
}

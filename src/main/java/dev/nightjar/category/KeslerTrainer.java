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
      long seed) implements Serializable {}

  private final Taxonomy taxonomy;
  private final Settings settings;
  private transient byte[][] prefixes;

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
   * @return the summed weighted log-loss and the number of rows, for progress logs
   */
  public double[] epoch(float[] model, Iterator<Example> examples, int epoch) {
    if (prefixes == null) {
      prefixes = KeslerFeatures.prefixes(taxonomy);
    }
    final int nf = settings.numFeatures();
    final float lr = (float) settings.learningRate();
    final float l2 = (float) settings.l2();
    double[] lossAndRows = new double[2];
    int[] idx = new int[64];
    while (examples.hasNext()) {
      Example ex = examples.next();
      KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(ex.terms());
      if (idx.length < enc.size() + 1) {
        idx = new int[2 * (enc.size() + 1)];
      }
      final int[] indices = idx;
      final float value = enc.value;
      final int m = enc.size();
      SplittableRandom random = new SplittableRandom(settings.seed() ^ (ex.key() * 0x9E3779B97F4A7C15L) ^ epoch);
      KeslerExpansion.forEach(taxonomy, ex.trueIndex(), settings.mode(), settings.sampledNegatives(), random,
          (c, label) -> {
            enc.indices(prefixes[c], nf, indices);
            double z = 0;
            for (int k = 0; k < m; k++) {
              z += model[2 * indices[k]] * value;
            }
            z += model[2 * indices[m]];
            double p = 1.0 / (1.0 + Math.exp(-z));
            float g = (float) ((p - (label ? 1.0 : 0.0)) * ex.weight());
            for (int k = 0; k <= m; k++) {
              int j = 2 * indices[k];
              float x = k < m ? value : 1f;
              float grad = g * x + l2 * model[j];
              float acc = model[j + 1] + grad * grad;
              model[j + 1] = acc;
              model[j] -= lr * grad / (float) Math.sqrt(acc + 1e-8f);
            }
            lossAndRows[0] += ex.weight() * (label ? softplus(-z) : softplus(z));
            lossAndRows[1] += 1;
          });
    }
    return lossAndRows;
  }

  static double softplus(double z) {
    return z > 30 ? z : Math.log1p(Math.exp(z));
  }
}

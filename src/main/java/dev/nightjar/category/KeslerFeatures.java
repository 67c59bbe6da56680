package dev.nightjar.category;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import dev.nightjar.text.FeatureHashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The features of Kesler's construction, defined once for training, batch prediction and the
 * TensorFlow export. For a product with distinct terms T and a candidate class c (taxonomy id):
 *
 * <ul>
 *   <li>each term t gives feature index {@code fingerprint64(c + "|" + t) mod numFeatures} with
 *       value {@code |T|^(-1/4)} (binary presence, damped length normalization: on the Flipkart
 *       split it beat both no normalization and {@code 1/sqrt(|T|)});
 *   <li>the class bias gives {@code fingerprint64(c + "|" + BIAS) mod numFeatures} with value 1.
 * </ul>
 *
 * FarmHash Fingerprint64 of the UTF-8 string is what TensorFlow's {@code StringToHashBucketFast}
 * computes, so a graph that joins the class prefix and the term with {@code StringJoin} and
 * hashes gets the same index. {@link #BIAS} cannot collide with a real term: the cleaner never
 * emits underscores.
 */
public final class KeslerFeatures {
  public static final String BIAS = "__bias__";
  static final byte[] BIAS_BYTES = BIAS.getBytes(StandardCharsets.UTF_8);
  private static final HashFunction FARM = Hashing.farmHashFingerprint64();

  private KeslerFeatures() {}

  /** The prefix of class {@code id}'s features: its taxonomy id and a bar, e.g. {@code 5181|}. */
  public static String prefix(long classId) {
    return classId + "|";
  }

  /** The value of every term feature of a product with {@code distinctTerms} terms. */
  public static float valueOf(int distinctTerms) {
    return distinctTerms == 0 ? 0f : (float) Math.pow(distinctTerms, -0.25);
  }

  /** Distinct terms in first-seen order: the model's view of a product's tokens. */
  public static List<String> terms(List<String> tokens) {
    return new ArrayList<>(new LinkedHashSet<>(tokens));
  }

  /** The index of one (class, term) feature, from strings (reference implementation). */
  public static int index(long classId, String term, int numFeatures) {
    return FeatureHashing.bucket(FARM.hashString(prefix(classId) + term, StandardCharsets.UTF_8).asLong(), numFeatures);
  }

  /**
   * A product prepared for repeated scoring: the UTF-8 bytes of its distinct terms, so scoring a
   * class allocates nothing and copies nothing.
   */
  public static final class Encoded {
    /** Each term's UTF-8 bytes followed by 8 zero bytes (so 8-byte reads never run off the end). */
    final byte[][] terms;
    final int[] lengths;
    /** Each term's first and last 8 bytes as words (see {@link PrefixedFingerprint}). */
    private final long[] heads;
    private final long[] tails;
    final float value;
    private final int longest;
    private byte[] buf = new byte[0];
    private int[] scratch;

    public Encoded(List<String> distinctTerms) {
      terms = new byte[distinctTerms.size()][];
      lengths = new int[terms.length];
      heads = new long[terms.length];
      tails = new long[terms.length];
      int l = BIAS_BYTES.length;
      for (int i = 0; i < terms.length; i++) {
        byte[] t = distinctTerms.get(i).getBytes(StandardCharsets.UTF_8);
        lengths[i] = t.length;
        terms[i] = java.util.Arrays.copyOf(t, t.length + 8);
        heads[i] = PrefixedFingerprint.head(terms[i]);
        tails[i] = PrefixedFingerprint.tail(terms[i], t.length);
        l = Math.max(l, t.length);
      }
      longest = l;
      scratch = new int[terms.length];
      value = valueOf(terms.length);
    }

    public int size() {
      return terms.length;
    }

    /** Feature indices of class {@code prefix}: one per term, then the bias last. */
    public void indices(byte[] prefix, int numFeatures, int[] out) {
      indices(prefix, numFeatures, out, 0, true);
    }

    /** Feature indices of class {@code prefix} into {@code out} from {@code at}: terms, then the bias. */
    public void indices(byte[] prefix, int numFeatures, int[] out, int at) {
      indices(prefix, numFeatures, out, at, true);
    }

    private void indices(byte[] prefix, int numFeatures, int[] out, int at, boolean withBias) {
      int p = prefix.length;
      byte[][] ts = terms;
      int[] ls = lengths;
      long[] heads = this.heads;
      long[] tails = this.tails;
      if (p > PrefixedFingerprint.MAX_PREFIX) {
        for (int i = 0; i < ts.length; i++) {
          out[at + i] = FeatureHashing.bucket(slowFingerprint(prefix, ts[i], ls[i]), numFeatures);
        }
      } else {
        long pw = PrefixedFingerprint.word(prefix);
        for (int i = 0; i < ts.length; i++) {
          long h = p + ls[i] <= PrefixedFingerprint.MAX_LENGTH
              ? PrefixedFingerprint.fingerprint(pw, p, ts[i], ls[i], heads[i], tails[i])
              : slowFingerprint(prefix, ts[i], ls[i]);
          out[at + i] = FeatureHashing.bucket(h, numFeatures);
        }
      }
      if (withBias) {
        out[at + ts.length] = biasIndex(prefix, numFeatures);
      }
    }

    /**
     * For each of the first {@code count} classes (taxonomy indices into {@code prefixes}), the
     * sum of {@code weights} at its term indices, added in term order (the bias not included).
     * All indices are computed before the first weight is read: the reads into a large weight
     * array mostly miss the cache, and issued together their latencies overlap (reading each
     * weight as soon as its index is known was twice as slow).
     */
    public void sumTermWeights(byte[][] prefixes, int[] classes, int count, float[] weights, double[] out) {
      int m = terms.length;
      if (scratch.length < count * m) {
        scratch = new int[count * m];
      }
      int[] idx = scratch;
      for (int k = 0; k < count; k++) {
        indices(prefixes[classes[k]], weights.length, idx, k * m, false);
      }
      for (int k = 0; k < count; k++) {
        double z = 0;
        for (int i = k * m, end = i + m; i < end; i++) {
          z += weights[idx[i]];
        }
        out[k] = z;
      }
    }

    /** Guava's FarmHash of the bytes copied together: long inputs and long prefixes. */
    private long slowFingerprint(byte[] prefix, byte[] term, int m) {
      int p = prefix.length;
      if (buf.length < p + longest) {
        buf = new byte[p + longest + 16];
      }
      System.arraycopy(prefix, 0, buf, 0, p);
      System.arraycopy(term, 0, buf, p, m);
      return FARM.hashBytes(buf, 0, p + m).asLong();
    }

    private static int biasIndex(byte[] prefix, int numFeatures) {
      byte[] b = java.util.Arrays.copyOf(prefix, prefix.length + BIAS_BYTES.length);
      System.arraycopy(BIAS_BYTES, 0, b, prefix.length, BIAS_BYTES.length);
      return FeatureHashing.bucket(FARM.hashBytes(b).asLong(), numFeatures);
    }
  }

  /** The prefix of inner node {@code id}'s stop class, e.g. {@code 5181$|}. */
  public static String stopPrefix(long classId) {
    return classId + "$|";
  }

  /**
   * The UTF-8 prefix bytes of every class by taxonomy index, followed by the stop classes (index
   * + number of nodes); see {@link KeslerExpansion#stop}.
   */
  public static byte[][] prefixes(dev.nightjar.taxonomy.Taxonomy taxonomy) {
    int n = taxonomy.nodes().size();
    byte[][] p = new byte[2 * n][];
    for (var node : taxonomy.nodes()) {
      p[node.index()] = prefix(node.id()).getBytes(StandardCharsets.UTF_8);
      p[n + node.index()] = stopPrefix(node.id()).getBytes(StandardCharsets.UTF_8);
    }
    return p;
  }
}

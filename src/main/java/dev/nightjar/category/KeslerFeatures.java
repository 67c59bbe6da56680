package dev.nightjar.category;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
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
    long h = FARM.hashString(prefix(classId) + term, StandardCharsets.UTF_8).asLong();
    return (int) Long.remainderUnsigned(h, numFeatures);
  }

  /**
   * A product prepared for repeated scoring: the UTF-8 bytes of its distinct terms and the bias,
   * and a scratch buffer, so scoring a class allocates nothing.
   */
  public static final class Encoded {
    final byte[][] terms;
    final float value;
    private byte[] buf = new byte[64];

    public Encoded(List<String> distinctTerms) {
      terms = new byte[distinctTerms.size()][];
      for (int i = 0; i < terms.length; i++) {
        terms[i] = distinctTerms.get(i).getBytes(StandardCharsets.UTF_8);
      }
      value = valueOf(terms.length);
    }

    public int size() {
      return terms.length;
    }

    /** Feature indices of class {@code prefix}: one per term, then the bias last. */
    public void indices(byte[] prefix, int numFeatures, int[] out) {
      for (int i = 0; i < terms.length; i++) {
        out[i] = hash(prefix, terms[i], numFeatures);
      }
      out[terms.length] = hash(prefix, BIAS_BYTES, numFeatures);
    }

    private int hash(byte[] prefix, byte[] term, int numFeatures) {
      int len = prefix.length + term.length;
      if (buf.length < len) {
        buf = new byte[Math.max(len, buf.length * 2)];
      }
      System.arraycopy(prefix, 0, buf, 0, prefix.length);
      System.arraycopy(term, 0, buf, prefix.length, term.length);
      long h = FARM.hashBytes(buf, 0, len).asLong();
      return (int) Long.remainderUnsigned(h, numFeatures);
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

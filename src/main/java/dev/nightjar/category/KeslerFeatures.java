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
 * TensorFlow export. A class c belongs to one decision of the top-down search: the choice among
 * the children of its parent u (a stop class belongs to its own node's decision), in which it has
 * a slot s (u's stop class 0, u's j-th child j + 1). For a product with distinct terms T:
 *
 * <ul>
 *   <li>each term t gives feature index {@code (fingerprint64(u + "|" + t) mod numFeatures + s)
 *       mod numFeatures} with value {@code |T|^(-1/4)} (binary presence, damped length
 *       normalization: on the Flipkart split it beat both no normalization and {@code
 *       1/sqrt(|T|)});
 *   <li>the class bias gives the same with {@link #BIAS} for t, value 1.
 * </ul>
 *
 * A (class, term) pair is still one hashed feature of its own: the class prefix of the term is
 * its decision's id and its slot. Laying a decision's candidates side by side means scoring a
 * decision hashes each term once rather than once per candidate and reads the candidates' weights
 * as one run of adjacent floats rather than one cache miss each, and siblings never share a
 * bucket for the same term.
 *
 * <p>FarmHash Fingerprint64 of the UTF-8 string is what TensorFlow's {@code StringToHashBucketFast}
 * computes, so a graph that joins the decision prefix and the term with {@code StringJoin}, hashes
 * and adds the slot gets the same index. {@link #BIAS} cannot collide with a real term: the
 * cleaner never emits underscores.
 */
public final class KeslerFeatures {
  public static final String BIAS = "__bias__";
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

  /** The rule above in one line, recorded with every model and published version. */
  public static final String RULE = "index = (fingerprint64(decisionId + \"|\" + term) mod size + slot) mod size, slot 0 for the"
      + " decision's stop class and j + 1 for its j-th child; value = distinct terms^(-1/4); class bias term " + BIAS;

  /** The bucket of one decision key (a decision prefix and a term), from strings (reference implementation). */
  public static int bucket(long decisionId, String term, int numFeatures) {
    return FeatureHashing.bucket(FARM.hashString(prefix(decisionId) + term, StandardCharsets.UTF_8).asLong(), numFeatures);
  }

  /** The index of one (class, term) feature: the class's decision, its slot there and the term (reference implementation). */
  public static int index(long decisionId, int slot, String term, int numFeatures) {
    return (int) ((bucket(decisionId, term, numFeatures) + (long) slot) % numFeatures);
  }

  /**
   * The index of a class's feature for {@code term}, from strings (reference implementation): the
   * class with taxonomy id {@code classId}, or with {@code stop} that node's stop class.
   */
  public static int index(dev.nightjar.taxonomy.Taxonomy taxonomy, long classId, boolean stop, String term, int numFeatures) {
    var node = taxonomy.byId(classId);
    if (stop) {
      return index(classId, 0, term, numFeatures);
    }
    var parent = taxonomy.node(node.parent());
    int[] siblings = taxonomy.children(parent.index());
    int j = 0;
    while (siblings[j] != node.index()) {
      j++;
    }
    return index(parent.id(), j + 1, term, numFeatures);
  }

  /**
   * Where each class's features sit, for one taxonomy and feature size: its decision (by taxonomy
   * index), its slot there, and its bias feature's index, which does not depend on the product and
   * so is hashed once per model rather than per product.
   */
  public static final class Layout implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final int numFeatures;
    /** The decision prefix of each node (by taxonomy index), e.g. {@code 5181|}. */
    final byte[][] keys;
    /** Per class index (nodes, then stop classes): its decision's node and its slot. */
    final int[] decision;
    final int[] slot;
    final int[] bias;

    public Layout(dev.nightjar.taxonomy.Taxonomy taxonomy, int numFeatures) {
      this.numFeatures = numFeatures;
      int n = taxonomy.nodes().size();
      keys = new byte[n][];
      decision = new int[2 * n];
      slot = new int[2 * n];
      bias = new int[2 * n];
      java.util.Arrays.fill(decision, -1);
      for (var node : taxonomy.nodes()) {
        int u = node.index();
        keys[u] = prefix(node.id()).getBytes(StandardCharsets.UTF_8);
        int[] children = taxonomy.children(u);
        for (int j = 0; j < children.length; j++) {
          decision[children[j]] = u;
          slot[children[j]] = j + 1;
        }
        if (u != 0 && children.length > 0) {
          decision[n + u] = u;
          slot[n + u] = 0;
        }
      }
      for (var node : taxonomy.nodes()) {
        int u = node.index();
        int[] children = taxonomy.children(u);
        if (children.length >= numFeatures) {
          throw new IllegalArgumentException("numFeatures " + numFeatures + " is smaller than the candidates of decision "
              + node.path() + " (" + (children.length + 1) + ")");
        }
        int b = bucket(node.id(), BIAS, numFeatures);
        for (int c : children) {
          bias[c] = wrap(b + slot[c], numFeatures);
        }
        bias[n + u] = b;
      }
    }

    /** The decision (taxonomy index) class {@code c} belongs to; -1 for the root. */
    public int decision(int c) {
      return decision[c];
    }

    /** The index of class {@code c}'s bias feature. */
    public int bias(int c) {
      return bias[c];
    }

    /** The slot of class {@code c} in its decision. */
    public int slot(int c) {
      return slot[c];
    }
  }

  /** {@code bucket + slot} brought back into {@code [0, numFeatures)}. */
  static int wrap(int sum, int numFeatures) {
    return sum >= numFeatures ? sum - numFeatures : sum;
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
    /** The term buckets of the last decision asked for (products are scored decision by decision). */
    private final int[] cached;
    private int cachedDecision = -1;
    /** Keeps the touching loads of {@link #sumDecision} from being optimized away. */
    private float sink;
    private Layout cachedLayout;

    public Encoded(List<String> distinctTerms) {
      terms = new byte[distinctTerms.size()][];
      lengths = new int[terms.length];
      heads = new long[terms.length];
      tails = new long[terms.length];
      int l = 0;
      for (int i = 0; i < terms.length; i++) {
        byte[] t = distinctTerms.get(i).getBytes(StandardCharsets.UTF_8);
        lengths[i] = t.length;
        terms[i] = java.util.Arrays.copyOf(t, t.length + 8);
        heads[i] = PrefixedFingerprint.head(terms[i]);
        tails[i] = PrefixedFingerprint.tail(terms[i], t.length);
        l = Math.max(l, t.length);
      }
      longest = l;
      cached = new int[terms.length];
      value = valueOf(terms.length);
    }

    public int size() {
      return terms.length;
    }

    /** Feature indices of class {@code c}: one per term, then the bias last. */
    public void indices(Layout layout, int c, int[] out) {
      indices(layout, c, out, 0);
    }

    /**
     * Feature indices of class {@code c} into {@code out} from {@code at}: terms, then the bias.
     * The terms' buckets are those of c's decision, hashed once for all its candidates.
     */
    public void indices(Layout layout, int c, int[] out, int at) {
      int[] b = buckets(layout, layout.decision[c]);
      int s = layout.slot[c];
      int nf = layout.numFeatures;
      int m = terms.length;
      for (int i = 0; i < m; i++) {
        out[at + i] = wrap(b[i] + s, nf);
      }
      out[at + m] = layout.bias[c];
    }

    /**
     * For each of the {@code slots} candidates of decision {@code u} (slot 0 its stop class, j + 1
     * its j-th child), the sum of {@code weights} at its term indices, added in term order (the
     * bias not included). A term's weights for all candidates are adjacent, so a decision costs
     * one hash and about one cache miss per term.
     */
    public void sumDecision(Layout layout, int u, int slots, float[] weights, double[] out) {
      int[] b = buckets(layout, u);
      int nf = layout.numFeatures;
      int m = terms.length;
      // Touch each term's run (its first and last weight) before summing any: these loads do not
      // wait on each other, so their cache misses overlap (single-threaded prediction on the
      // Google taxonomy went from 25k to 50k products/s), and the sums below read from cache.
      float touched = 0;
      for (int i = 0; i < m; i++) {
        touched += weights[b[i]] + weights[wrap(b[i] + slots - 1, nf)];
      }
      sink = touched;
      java.util.Arrays.fill(out, 0, slots, 0.0);
      for (int i = 0; i < m; i++) {
        int j = b[i];
        if (j + slots <= nf) {
          for (int r = 0; r < slots; r++) {
            out[r] += weights[j + r];
          }
        } else {
          for (int r = 0; r < slots; r++) {
            out[r] += weights[wrap(j + r, nf)];
          }
        }
      }
    }

    /** The buckets of decision {@code u}'s keys ({@code u|term}), one per term; kept for the next call. */
    private int[] buckets(Layout layout, int u) {
      if (u != cachedDecision || layout != cachedLayout) {
        termBuckets(layout.keys[u], layout.numFeatures, cached);
        cachedDecision = u;
        cachedLayout = layout;
      }
      return cached;
    }

    private void termBuckets(byte[] prefix, int numFeatures, int[] out) {
      int p = prefix.length;
      byte[][] ts = terms;
      int[] ls = lengths;
      long[] heads = this.heads;
      long[] tails = this.tails;
      if (p > PrefixedFingerprint.MAX_PREFIX) {
        for (int i = 0; i < ts.length; i++) {
          out[i] = FeatureHashing.bucket(slowFingerprint(prefix, ts[i], ls[i]), numFeatures);
        }
      } else {
        long pw = PrefixedFingerprint.word(prefix);
        for (int i = 0; i < ts.length; i++) {
          long h = p + ls[i] <= PrefixedFingerprint.MAX_LENGTH
              ? PrefixedFingerprint.fingerprint(pw, p, ts[i], ls[i], heads[i], tails[i])
              : slowFingerprint(prefix, ts[i], ls[i]);
          out[i] = FeatureHashing.bucket(h, numFeatures);
        }
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
  }
}

package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.taxonomy.Taxonomy;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Hand-set Kesler weights for tests, keyed by class: {@code "3|"} is class 3, {@code "3$|"} the
 * stop class of node 3 (ids of the taxonomy), placed by {@link KeslerFeatures}' reference rule.
 */
public final class KeslerWeights {
  private KeslerWeights() {}

  /** The index of {@code key}'s feature for {@code term}. */
  public static int index(Taxonomy t, String key, String term, int numFeatures) {
    boolean stop = key.endsWith("$|");
    long id = Long.parseLong(key.substring(0, key.length() - (stop ? 2 : 1)));
    return KeslerFeatures.index(t, id, stop, term, numFeatures);
  }

  /** A weight vector whose only non-zero weights are the given classes' biases (which must not collide). */
  public static float[] biases(Taxonomy t, Map<String, Float> biasByClass, int numFeatures) {
    float[] w = new float[numFeatures];
    Set<Integer> used = new HashSet<>();
    for (var e : biasByClass.entrySet()) {
      int i = index(t, e.getKey(), KeslerFeatures.BIAS, numFeatures);
      assertTrue(used.add(i), "bias indices must not collide");
      w[i] = e.getValue();
    }
    return w;
  }
}

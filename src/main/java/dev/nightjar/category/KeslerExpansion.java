package dev.nightjar.category;

import dev.nightjar.taxonomy.Taxonomy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which (product, class) rows Kesler's construction creates for a product whose true category is
 * {@code trueIndex}, and their labels. A row is labelled 1 when the true category is that class
 * or one of its descendants.
 *
 * <p>Real catalogs label some products with an inner category (Flipkart: 4% of products), which a
 * descent to a leaf always gets wrong. So every inner node {@code u} also has a "stop here" class
 * ({@link #stop(Taxonomy, int)}), labelled 1 only when the true category is {@code u} itself; greedy
 * inference compares it with {@code u}'s children.
 *
 * <ul>
 *   <li>{@link Mode#SIBLINGS} (default): the decisions greedy inference makes on the true path:
 *       below the root and below each inner node of the true path (including the true node when
 *       it has children), every child and the node's stop class; plus {@code sampledNegatives}
 *       other classes drawn at random (different ones each epoch).
 *   <li>{@link Mode#FULL}: every class and every stop class of the taxonomy.
 * </ul>
 */
public final class KeslerExpansion {
  public enum Mode {
    SIBLINGS,
    FULL
  }

  /** One expanded row: a candidate class (taxonomy index, or a stop class) and its label. */
  public record Row(int classIndex, boolean label) {}

  private KeslerExpansion() {}

  /** The stop class of inner node {@code index}: index + the number of nodes. */
  public static int stop(Taxonomy taxonomy, int index) {
    return taxonomy.nodes().size() + index;
  }

  public static List<Row> expand(
      Taxonomy taxonomy, int trueIndex, Mode mode, int sampledNegatives, SplittableRandom random) {
    List<Row> out = new ArrayList<>();
    forEach(taxonomy, trueIndex, mode, sampledNegatives, random, (c, y) -> out.add(new Row(c, y)));
    return out;
  }

  /** Callback form used by the trainer, so rows are never collected. */
  public interface Sink {
    void accept(int classIndex, boolean label);
  }

  public static void forEach(
      Taxonomy taxonomy, int trueIndex, Mode mode, int sampledNegatives, SplittableRandom random, Sink sink) {
    int n = taxonomy.nodes().size();
    boolean[] onPath = new boolean[n];
    for (int i = trueIndex; i != 0; i = taxonomy.node(i).parent()) {
      onPath[i] = true;
    }
    if (mode == Mode.FULL) {
      for (int c = 1; c < n; c++) {
        sink.accept(c, onPath[c]);
        if (!taxonomy.isLeaf(c)) {
          sink.accept(n + c, c == trueIndex);
        }
      }
      return;
    }
    // The decisions on the true path: below the root, then below each inner node of the path.
    int u = 0;
    List<Taxonomy.Node> lineage = taxonomy.lineage(trueIndex);
    for (int level = 0; level <= lineage.size(); level++) {
      if (taxonomy.isLeaf(u)) {
        break;
      }
      for (int c : taxonomy.children(u)) {
        sink.accept(c, onPath[c]);
      }
      if (u != 0) {
        sink.accept(n + u, u == trueIndex);
      }
      if (level == lineage.size()) {
        break;
      }
      u = lineage.get(level).index();
    }
    if (sampledNegatives > 0 && random != null) {
      for (int k = 0; k < sampledNegatives; k++) {
        int c = 1 + random.nextInt(n - 1);
        if (!onPath[c] && !isCompared(taxonomy, c, onPath)) {
          sink.accept(c, false);
        }
      }
    }
  }

  /** Whether c is already among the path's decisions (its parent is the root or an inner path node). */
  private static boolean isCompared(Taxonomy t, int c, boolean[] onPath) {
    int parent = t.node(c).parent();
    return parent == 0 || onPath[parent];
  }
}

package dev.nightjar.category;

import dev.nightjar.taxonomy.Taxonomy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gather;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.strings.Join;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Exports a {@link KeslerModel} as a TensorFlow SavedModel that TF Serving loads unmodified
 * (standard ops only, weights in {@code variables/}, {@code saved_model.pb} written last).
 *
 * <p>Signature {@value org.tensorflow.Signature#DEFAULT_KEY}:
 *
 * <ul>
 *   <li>input {@value #TOKENS}: DT_STRING [batch, max_terms], a product's terms ({@code
 *       CategoryText} terms, the column {@code tokens} of the batch job) padded with {@code ""};
 *   <li>outputs {@value #CATEGORY_ID} DT_INT64 [batch], {@value #CATEGORY_PATH} DT_STRING [batch]
 *       ({@code A > B > C}; empty for the root), {@value #LEVEL_SCORES} DT_FLOAT [batch,
 *       max_depth] (the chosen node's probability per level, 0 after the last level), {@value
 *       #DEPTH} DT_INT32 [batch], {@value #CATEGORY_INDEX} DT_INT32 [batch] (the node's index in
 *       the model's taxonomy) and {@value #CONFIDENCE} DT_DOUBLE [batch] (the path's probability).
 * </ul>
 *
 * <p>The graph computes exactly what {@link KeslerModel#predict(List, double, int)} computes:
 *
 * <ul>
 *   <li>the distinct non-empty terms (a term equal to an earlier one in its row is dropped, so
 *       is the padding {@code ""}), value {@link KeslerFeatures#valueOf} of their count;
 *   <li>a beam of {@link KeslerModel#getBeamWidth()} paths, [batch, width] tensors of node,
 *       score (summed log-probabilities, -inf for an empty slot), finished flag, depth and the
 *       chosen probabilities per level; it starts as the root alone;
 *   <li>per level, each path's node's children (a constant [nodes, max_children] table with a
 *       mask) and stop class are scored: one key per term, {@code StringJoin(nodeId + "|", term)},
 *       {@code StringToHashBucketFast} (FarmHash Fingerprint64 mod numFeatures), plus each
 *       candidate's slot (the stop class 0, child j j + 1) mod numFeatures (the indices of {@link
 *       KeslerFeatures#index}), the weights gathered, summed in double, times the value, plus the
 *       class bias feature (its index from a constant table); log-probabilities are {@code log sigmoid(z)} (pointwise model) or the
 *       log-softmax over the children and stop class (sibling-softmax model);
 *   <li>each path offers, in this order, itself unchanged (finished or at a leaf), each child
 *       (below the root only when its probability reaches the minimum confidence), its stop
 *       class (the path's score unchanged when no child was eligible); {@code TopKV2} (sorted;
 *       equal values keep the lower index, as in Java) keeps the best offers; gathers carry the
 *       paths' state. The loop is unrolled over the taxonomy's depth; the first path wins.
 * </ul>
 *
 * The minimum confidence and the beam width are the model's at export time, baked into the
 * graph (not inputs), so set them on the model before exporting.
 */
public final class CategorySavedModel {
  public static final String TOKENS = "tokens";
  public static final String CATEGORY_ID = "category_id";
  public static final String CATEGORY_PATH = "category_path";
  public static final String LEVEL_SCORES = "level_scores";
  public static final String DEPTH = "depth";
  public static final String CATEGORY_INDEX = "category_index";
  public static final String CONFIDENCE = "confidence";

  /** Values of {@link KeslerFeatures#valueOf} for counts below this come from a table (bit-exact). */
  static final int VALUE_TABLE = 4096;

  private CategorySavedModel() {}

  /** Writes the SavedModel into {@code localDir} (created; must not hold a SavedModel yet). */
  public static void export(KeslerModel model, Path localDir) throws IOException {
    Taxonomy tax = model.taxonomy();
    if (tax.maxDepth() < 1) {
      throw new IllegalArgumentException("Cannot export a category model whose taxonomy has no categories");
    }
    if (Files.exists(localDir.resolve("saved_model.pb"))) {
      throw new IOException("Expected no SavedModel in " + localDir + ", found " + localDir.resolve("saved_model.pb"));
    }
    Files.createDirectories(localDir);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      float[] w = model.weights();
      Variable<TFloat32> weights = tf.withName("kesler_weights").variable(Shape.of(w.length), TFloat32.class);
      Placeholder<TFloat32> weightsIn = tf.withName("kesler_weights_value")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(w.length)));
      var assign = tf.withName("kesler_weights_assign").assign(weights, weightsIn);

      Placeholder<TString> tokens = tf.withName(TOKENS)
          .placeholder(TString.class, Placeholder.shape(Shape.of(-1, -1)));
      Outputs out = build(tf, tokens, weights, model);

      try (TFloat32 t = TFloat32.tensorOf(Shape.of(w.length), DataBuffers.of(w, true, false))) {
        s.runner().feed(weightsIn, t).addTarget(assign).run();
      }
      Signature sig = Signature.builder(Signature.DEFAULT_KEY)
          .methodName("tensorflow/serving/predict")
          .input(TOKENS, tokens)
          .output(CATEGORY_ID, out.id)
          .output(CATEGORY_PATH, out.path)
          .output(LEVEL_SCORES, out.levelScores)
          .output(DEPTH, out.depth)
          .output(CATEGORY_INDEX, out.index)
          .output(CONFIDENCE, out.confidence)
          .build();
      SavedModelBundle.exporter(localDir.toString()).withSession(s).withSignature(sig).export();
    }
  }

  private record Outputs(Operand<TInt64> id, Operand<TString> path, Operand<TFloat32> levelScores,
      Operand<TInt32> depth, Operand<TInt32> index, Operand<TFloat64> confidence) {}

  private static Outputs build(Ops tf, Operand<TString> tokens, Operand<TFloat32> weights, KeslerModel model) {
    Taxonomy tax = model.taxonomy();
    int n = tax.nodes().size();
    int k = 1;
    for (Taxonomy.Node node : tax.nodes()) {
      k = Math.max(k, tax.children(node.index()).length);
    }
    // Constant tables by taxonomy index: children (padded with 0) and their mask as an additive
    // penalty (0 or -inf), decision prefixes, ids and paths, and the bias feature's index of each
    // child slot and of the stop class (they do not depend on the product).
    KeslerFeatures.Layout layout = new KeslerFeatures.Layout(tax, model.numFeatures());
    int[][] children = new int[n][k];
    double[][] penalty = new double[n][k];
    long[][] childBias = new long[n][k];
    long[] stopBias = new long[n];
    String[] prefix = new String[n];
    long[] ids = new long[n];
    String[] paths = new String[n];
    for (Taxonomy.Node node : tax.nodes()) {
      int i = node.index();
      int[] c = tax.children(i);
      for (int j = 0; j < k; j++) {
        children[i][j] = j < c.length ? c[j] : 0;
        penalty[i][j] = j < c.length ? 0.0 : Double.NEGATIVE_INFINITY;
        childBias[i][j] = j < c.length ? layout.bias(c[j]) : 0;
      }
      stopBias[i] = i != 0 && c.length > 0 ? layout.bias(KeslerExpansion.stop(tax, i)) : 0;
      prefix[i] = KeslerFeatures.prefix(node.id());
      ids[i] = node.id();
      paths[i] = node.path();
    }
    Operand<TInt32> childTable = tf.constant(children);
    Operand<TFloat64> penaltyTable = tf.constant(penalty);
    Operand<TInt64> childBiasTable = tf.constant(childBias);
    Operand<TInt64> stopBiasTable = tf.constant(stopBias);
    Operand<TString> prefixTable = tf.constant(StandardCharsets.UTF_8, prefix);
    Operand<TInt64> idTable = tf.constant(ids);
    Operand<TString> pathTable = tf.constant(StandardCharsets.UTF_8, paths);
    long numFeatures = model.numFeatures();
    // Slot j + 1 of a decision is its j-th child, slot 0 its stop class (KeslerFeatures).
    long[][][][] childSlots = new long[1][1][k][1];
    for (int j = 0; j < k; j++) {
      childSlots[0][0][j][0] = j + 1;
    }
    Operand<TInt64> slotTable = tf.constant(childSlots);

    // Distinct non-empty terms: keep position j when no earlier position of its row holds the same
    // string. Linear in the terms: Unique over "row|term" keys, and a position is kept when it is
    // its key's first (the smallest position of the key's segment). Comparing the terms pairwise
    // ([B, T, T] Equal) cost 62% of the graph for 32 rows of 256 terms.
    Operand<TInt32> zero = tf.constant(0);
    Operand<TInt32> one = tf.constant(1);
    Operand<TInt32> two = tf.constant(2);
    Operand<TInt32> tokShape = tf.shape(tokens);
    Operand<TString> rowIds = tf.tile(tf.expandDims(tf.dtypes.asString(tf.range(zero, tf.gather(tokShape, zero, zero), one)), one),
        tf.stack(List.of(one, tf.gather(tokShape, one, zero))));
    Operand<TInt32> flatLength = tf.constant(new int[] {-1});
    Operand<TString> keys = tf.reshape(tf.strings.join(List.of(rowIds, tokens), Join.separator("|")), flatLength);
    var unique = tf.unique(keys, tf.constant(new int[] {0}), TInt32.class);
    Operand<TInt32> positions = tf.range(zero, tf.size(keys, TInt32.class), one);
    Operand<TInt32> firstOfKey = tf.math.unsortedSegmentMin(positions, unique.idx(), tf.size(unique.y(), TInt32.class));
    Operand<TBool> first = tf.reshape(tf.math.equal(tf.gather(firstOfKey, unique.idx(), zero), positions), tokShape);
    Operand<TBool> keep = tf.math.logicalAnd(first, tf.math.notEqual(tokens, tf.constant("")));
    Operand<TFloat64> keepD = tf.dtypes.cast(keep, TFloat64.class);
    Operand<TInt32> count = tf.sum(tf.dtypes.cast(keep, TInt32.class), one);
    Operand<TFloat64> value = tf.dtypes.cast(valueOf(tf, count), TFloat64.class);

    Operand<TInt32> shape = tf.shape(tokens);
    Operand<TInt32> batch = tf.gather(shape, zero, zero);
    Operand<TInt32> width = tf.gather(shape, one, zero);
    Operand<TInt32> three = tf.constant(3);

    // The beam, [B, W]: node, score (summed log-probabilities; -inf = an empty slot), finished,
    // descents so far, and per level the chosen child's probability. It starts as the root alone.
    int beam = model.getBeamWidth();
    Operand<TInt32> bw = tf.stack(List.of(batch, tf.constant(beam)));
    Operand<TInt32> nodes = tf.fill(bw, zero);
    double[][] start = new double[1][beam];
    java.util.Arrays.fill(start[0], Double.NEGATIVE_INFINITY);
    start[0][0] = 0.0;
    Operand<TFloat64> score = tf.tile(tf.constant(start), tf.stack(List.of(batch, one)));
    Operand<TBool> done = tf.fill(bw, tf.constant(false));
    Operand<TInt32> depth = tf.fill(bw, zero);
    List<Operand<TFloat32>> levels = new ArrayList<>();
    Operand<TFloat64> minConf = tf.constant(model.getMinConfidence());
    Operand<TFloat64> negInf = tf.constant(Double.NEGATIVE_INFINITY);
    Operand<TInt32> offersPerBeam = tf.constant(k + 2);
    boolean softmax = model.softmax();
    for (int level = 0; level < tax.maxDepth(); level++) {
      Ops l = tf.withSubScope("level" + level);
      Operand<TInt32> cand = l.gather(childTable, nodes, zero); // [B, W, K]
      Operand<TBool> valid = l.math.equal(l.gather(penaltyTable, nodes, zero), l.constant(0.0));
      // One key per (path, term): decisionId|term, hashed once; a candidate's index adds its slot.
      Operand<TString> curPrefix = l.gather(prefixTable, nodes, zero); // [B, W]
      Operand<TString> s3 = l.tile(l.expandDims(curPrefix, two), l.stack(List.of(one, one, width)));
      Operand<TString> tk3 = l.tile(l.expandDims(tokens, one), l.stack(List.of(one, l.constant(beam), one)));
      Operand<TInt64> bucket = l.strings.toHashBucketFast(l.strings.join(List.of(s3, tk3)), numFeatures); // [B, W, T]
      Operand<TFloat64> keep3 = l.expandDims(keepD, one);
      Operand<TInt64> childIdx = l.math.floorMod(l.math.add(l.expandDims(bucket, two), slotTable), l.constant(numFeatures)); // [B, W, K, T]
      Operand<TFloat64> keep4 = l.reshape(keepD, l.stack(List.of(batch, one, one, width)));
      Operand<TFloat64> termSum = l.sum(l.math.mul(gatherWeights(l, weights, childIdx), keep4), three);
      Operand<TFloat64> value3 = l.reshape(value, l.stack(List.of(batch, one, one)));
      Operand<TFloat64> z = l.math.add(l.math.mul(termSum, value3),
          gatherWeights(l, weights, l.gather(childBiasTable, nodes, zero))); // [B, W, K]

      Operand<TFloat64> stopSum = l.sum(l.math.mul(gatherWeights(l, weights, bucket), keep3), two);
      Operand<TFloat64> stopZ = l.math.add(l.math.mul(stopSum, l.expandDims(value, one)),
          gatherWeights(l, weights, l.gather(stopBiasTable, nodes, zero))); // [B, W]

      Operand<TBool> notRoot = l.math.notEqual(nodes, zero);
      Operand<TBool> hasChildren = l.reduceAny(valid, two);
      Operand<TFloat64> childLogP;
      Operand<TFloat64> stopLogP;
      if (softmax) {
        // Log-softmax over the valid children and (below the root) the stop class.
        Operand<TFloat64> all = l.concat(List.of(l.select(valid, z, l.zerosLike(z)), l.expandDims(stopZ, two)), two);
        Operand<TBool> allValid = l.concat(List.of(valid, l.expandDims(notRoot, two)), two);
        Operand<TFloat64> masked = l.select(allValid, all, l.fill(l.shape(all), negInf));
        Operand<TFloat64> max = l.max(masked, two, org.tensorflow.op.core.Max.keepDims(true));
        Operand<TFloat64> lse = l.math.add(max, l.math.log(l.sum(l.math.exp(l.math.sub(masked, max)), two,
            org.tensorflow.op.core.Sum.keepDims(true))));
        Operand<TFloat64> logp = l.math.sub(masked, lse); // [B, W, K + 1]
        childLogP = l.slice(logp, l.constant(new int[] {0, 0, 0}), l.stack(List.of(batch, l.constant(beam), l.constant(k))));
        stopLogP = l.squeeze(l.slice(logp, l.constant(new int[] {0, 0, k}), l.stack(List.of(batch, l.constant(beam), one))),
            org.tensorflow.op.core.Squeeze.axis(List.of(2L)));
      } else {
        // The margins' Platt calibration (identity for a logistic model), as in KeslerModel.
        Operand<TFloat64> ca = l.constant(model.calibration().a());
        Operand<TFloat64> cb = l.constant(model.calibration().b());
        childLogP = logSigmoid(l, l.math.add(l.math.mul(z, ca), cb));
        stopLogP = logSigmoid(l, l.math.add(l.math.mul(stopZ, ca), cb));
      }
      Operand<TFloat64> childP = l.math.exp(childLogP);
      Operand<TBool> active = l.math.logicalAnd(l.math.logicalNot(done), hasChildren);
      Operand<TBool> eligible = l.math.logicalAnd(l.math.logicalAnd(valid, l.expandDims(active, two)),
          l.math.logicalOr(l.expandDims(l.math.logicalNot(notRoot), two), l.math.greaterEqual(childP, minConf)));
      // Offers per beam slot: carry (a finished path or a leaf), each child, the stop class.
      Operand<TFloat64> carry = l.select(active, l.fill(bw, negInf), score);
      Operand<TFloat64> childScore = l.select(eligible, l.math.add(l.expandDims(score, two), childLogP), l.fill(l.shape(z), negInf));
      // The confidence stop (no eligible child) keeps the path's score, as in KeslerModel.
      Operand<TFloat64> stopAt = l.select(l.reduceAny(eligible, two), l.math.add(score, stopLogP), score);
      Operand<TFloat64> stopScore = l.select(l.math.logicalAnd(active, notRoot), stopAt, l.fill(bw, negInf));
      Operand<TInt32> flat = l.stack(List.of(batch, l.constant(beam * (k + 2))));
      Operand<TFloat64> offers = l.reshape(l.concat(List.of(l.expandDims(carry, two), childScore, l.expandDims(stopScore, two)), two), flat);
      Operand<TInt32> offerNode = l.reshape(l.concat(List.of(l.expandDims(nodes, two), cand, l.expandDims(nodes, two)), two), flat);
      Operand<TFloat32> offerP = l.reshape(l.concat(List.of(l.zerosLike(l.dtypes.cast(l.expandDims(score, two), TFloat32.class)),
          l.dtypes.cast(childP, TFloat32.class), l.zerosLike(l.dtypes.cast(l.expandDims(score, two), TFloat32.class))), two), flat);

      var top = l.nn.topK(offers, l.constant(beam), TInt32.class, org.tensorflow.op.nn.TopK.sorted(true));
      Operand<TInt32> chosen = top.indices(); // [B, W], best first, ties to the lower index
      Operand<TInt32> from = l.math.floorDiv(chosen, offersPerBeam);
      Operand<TInt32> slot = l.math.floorMod(chosen, offersPerBeam);
      Operand<TBool> isChild = l.math.logicalAnd(l.math.greater(slot, zero), l.math.less(slot, l.constant(k + 1)));
      List<Operand<TFloat32>> next = new ArrayList<>();
      for (Operand<TFloat32> prev : levels) {
        next.add(l.gather(prev, from, one, Gather.batchDims(1L)));
      }
      next.add(l.select(isChild, l.gather(offerP, chosen, one, Gather.batchDims(1L)), l.zerosLike(l.dtypes.cast(top.values(), TFloat32.class))));
      levels = next;
      depth = l.math.add(l.gather(depth, from, one, Gather.batchDims(1L)), l.dtypes.cast(isChild, TInt32.class));
      done = l.math.logicalNot(isChild);
      nodes = l.gather(offerNode, chosen, one, Gather.batchDims(1L));
      score = top.values();
    }
    // The best path is the first of the beam.
    Operand<TInt32> cur = tf.squeeze(tf.slice(nodes, tf.constant(new int[] {0, 0}), tf.stack(List.of(batch, one))),
        org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
    List<Operand<TFloat32>> bestLevels = new ArrayList<>();
    for (Operand<TFloat32> lv : levels) {
      bestLevels.add(tf.squeeze(tf.slice(lv, tf.constant(new int[] {0, 0}), tf.stack(List.of(batch, one))),
          org.tensorflow.op.core.Squeeze.axis(List.of(1L))));
    }
    Operand<TInt32> bestDepth = tf.squeeze(tf.slice(depth, tf.constant(new int[] {0, 0}), tf.stack(List.of(batch, one))),
        org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
    Operand<TFloat64> bestScore = tf.squeeze(tf.slice(score, tf.constant(new int[] {0, 0}), tf.stack(List.of(batch, one))),
        org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
    Operand<TInt64> id = tf.withName(CATEGORY_ID).gather(idTable, cur, zero);
    Operand<TString> path = tf.withName(CATEGORY_PATH).gather(pathTable, cur, zero);
    Operand<TFloat32> scores = tf.withName(LEVEL_SCORES).stack(bestLevels, org.tensorflow.op.core.Stack.axis(1L));
    return new Outputs(id, path, scores, tf.withName(DEPTH).identity(bestDepth), tf.withName(CATEGORY_INDEX).identity(cur),
        tf.withName(CONFIDENCE).math.exp(bestScore));
  }

  /** {@link KeslerModel#logSigmoid} in the graph: min(z, 0) - log1p(exp(-|z|)). */
  private static Operand<TFloat64> logSigmoid(Ops tf, Operand<TFloat64> z) {
    return tf.math.sub(tf.math.minimum(z, tf.constant(0.0)), tf.math.log1p(tf.math.exp(tf.math.neg(tf.math.abs(z)))));
  }

  /** The weights at feature indices, as doubles (Java sums float weights in double). */
  private static Operand<TFloat64> gatherWeights(Ops tf, Operand<TFloat32> weights, Operand<TInt64> idx) {
    return tf.dtypes.cast(tf.gather(weights, idx, tf.constant(0)), TFloat64.class);
  }

  /**
   * {@link KeslerFeatures#valueOf} in the graph: a table of the Java values for counts below
   * {@link #VALUE_TABLE} (bit-exact), {@code (float) pow(n, -0.25)} in double above.
   */
  private static Operand<TFloat32> valueOf(Ops tf, Operand<TInt32> count) {
    float[] table = new float[VALUE_TABLE];
    for (int i = 0; i < table.length; i++) {
      table[i] = KeslerFeatures.valueOf(i);
    }
    Operand<TFloat32> fromTable = tf.gather(tf.constant(table), tf.math.minimum(count, tf.constant(VALUE_TABLE - 1)), tf.constant(0));
    Operand<TFloat32> fromPow = tf.dtypes.cast(
        tf.math.pow(tf.dtypes.cast(count, TFloat64.class), tf.constant(-0.25)),
        TFloat32.class);
    return tf.select(tf.math.less(count, tf.constant(VALUE_TABLE)), fromTable, fromPow);
  }
}

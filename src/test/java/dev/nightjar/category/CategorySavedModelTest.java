package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.text.FeatureHashing;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/** The category SavedModel against hand-computed values and against KeslerModel.predict. */
class CategorySavedModelTest {
  /** Three levels under A, one under F: ids 1..6. */
  static final Taxonomy T = Taxonomy.parseGoogle(new StringReader(
      "1 - A\n2 - A > B\n3 - A > C\n4 - A > C > D\n5 - A > C > E\n6 - F\n"), "tiny");
  private static final int NF = 1 << 20;

  private static float[] biases(Map<String, Float> biasByClass) {
    return dev.nightjar.category.KeslerWeights.biases(T, biasByClass, NF);
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  private static List<KeslerModel.Prediction> exportAndPredict(KeslerModel m, Path dir, List<List<String>> products)
      throws Exception {
    CategorySavedModel.export(m, dir);
    try (CategoryScorer s = CategoryScorer.load(dir)) {
      assertEquals(T.maxDepth(), s.maxDepth());
      return s.predict(products);
    }
  }

  @Test
  void inGraphHashBucketsEqualGuavaFarmHash() {
    List<String> keys = List.of("", "shirt", "cotton", "t-shirt", "caf\u00e9", "\u043a\u043e\u0448\u043a\u0430",
        "5181|shirt", "5181$|b:red_shirt", "12|__bias__", "\u65e5\u672c\u8a9e|\ud83d\ude00", "a".repeat(300));
    long[] sizes = {1000, 1 << 18, 1 << 22, (1L << 31) - 1};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var in = tf.constant(java.nio.charset.StandardCharsets.UTF_8, keys.toArray(String[]::new));
      for (long size : sizes) {
        try (TInt64 out = (TInt64) s.runner().fetch(tf.strings.toHashBucketFast(in, size)).run().get(0)) {
          for (int i = 0; i < keys.size(); i++) {
            long expected = Long.remainderUnsigned(FeatureHashing.fingerprint(keys.get(i)), size);
            assertEquals(expected, out.getLong(i), "bucket of '" + keys.get(i) + "' mod " + size);
          }
        }
      }
    }
    // The published vectors (README), through the same op.
    assertEquals(44760, FeatureHashing.index("shirt", 1 << 18));
    assertEquals(818, FeatureHashing.index("cotton", 1000));
  }

  @Test
  void descendsToTheBestChildWithHandComputedScores(@TempDir Path dir) throws Exception {
    KeslerModel m = new KeslerModel("m", T,
        biases(Map.of("1|", 2f, "6|", -1f, "2|", -1f, "3|", 1f, "4|", 0.5f, "5|", 3f)), Map.of());
    List<KeslerModel.Prediction> p = exportAndPredict(m, dir, List.of(List.of("anything"), List.of()));
    for (KeslerModel.Prediction x : p) {
      assertEquals("A > C > E", x.path());
      assertEquals(5L, x.id());
      assertEquals(T.byId(5).index(), x.index());
      assertArrayEquals(new double[] {sigmoid(2), sigmoid(1), sigmoid(3)}, x.levelScores(), 1e-6);
    }
    assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")));
    // Core TensorFlow ops only, so TF Serving runs the graph without custom kernels.
    Set<String> standard = Set.of("Placeholder", "VariableV2", "Assign", "Const", "Equal", "NotEqual", "ExpandDims",
        "Cast", "MatrixBandPart", "AsString", "Range", "Size", "UniqueV2", "UnsortedSegmentMin", "Sum", "LogicalAnd", "LogicalOr", "LogicalNot", "GatherV2", "Tile", "Pack",
        "StringJoin", "StringToHashBucketFast", "Mul", "Add", "ArgMax", "Max", "Greater", "Less", "Div", "Exp", "Neg",
        "Select", "SelectV2", "ZerosLike", "Fill", "Shape", "Minimum", "Pow", "Identity",
        "SaveV2", "RestoreV2", "NoOp", "ShardedFilename", "MergeV2Checkpoints", "StaticRegexFullMatch",
        "PlaceholderWithDefault", "TopKV2", "FloorDiv", "FloorMod", "Log1p", "Log", "Abs", "Sub", "Reshape",
        "ConcatV2", "Slice", "Squeeze", "Any", "GreaterEqual");
    Set<String> used = new java.util.TreeSet<>();
    try (org.tensorflow.SavedModelBundle b = org.tensorflow.SavedModelBundle.load(dir.toString(), "serve")) {
      b.graph().operations().forEachRemaining(op -> used.add(op.type()));
    }
    Set<String> other = new java.util.TreeSet<>(used);
    other.removeAll(standard);
    assertEquals(Set.of(), other, "op types used: " + used);
    var e = assertThrows(java.io.IOException.class, () -> CategorySavedModel.export(m, dir));
    assertTrue(e.getMessage().startsWith("Expected no SavedModel in " + dir), e.getMessage());
  }

  @Test
  void stopClassAndConfidenceStopEndAtAnInnerNode(@TempDir Path dir) throws Exception {
    KeslerModel stop = new KeslerModel("m", T, biases(Map.of("1|", 2f, "3|", 1f, "5|", 3f, "3$|", 5f)), Map.of());
    KeslerModel.Prediction p = exportAndPredict(stop, dir.resolve("stop"), List.of(List.of("x"))).get(0);
    assertEquals("A > C", p.path());
    assertEquals(3L, p.id());
    assertArrayEquals(new double[] {sigmoid(2), sigmoid(1)}, p.levelScores(), 1e-6);

    KeslerModel unsure = new KeslerModel("m", T, biases(Map.of("1|", 2f, "3|", 0.5f, "5|", 3f)), Map.of())
        .setMinConfidence(sigmoid(0.5) + 0.01);
    p = exportAndPredict(unsure, dir.resolve("unsure"), List.of(List.of("x"))).get(0);
    assertEquals("A", p.path());
    assertArrayEquals(new double[] {sigmoid(2)}, p.levelScores(), 1e-6);

    // The first level is always taken, however unsure.
    KeslerModel low = new KeslerModel("m", T, biases(Map.of("1|", -3f, "6|", -4f)), Map.of()).setMinConfidence(0.99);
    p = exportAndPredict(low, dir.resolve("low"), List.of(List.of("x"))).get(0);
    assertEquals("A", p.path());
    assertArrayEquals(new double[] {sigmoid(-3)}, p.levelScores(), 1e-6);
  }

  @Test
  void beamSearchKeepsTheMoreProbablePath(@TempDir Path dir) throws Exception {
    // Greedy takes A (0.62) then B (0.12): path 0.074; F alone is 0.60.
    Map<String, Float> b = Map.of("1|", 0.5f, "6|", 0.4f, "2|", -2f, "3|", -3f, "1$|", -5f);
    for (int width : new int[] {1, 2}) {
      KeslerModel m = new KeslerModel("m", T, biases(b), Map.of()).setBeamWidth(width);
      KeslerModel.Prediction java = m.predict(List.of("x"));
      KeslerModel.Prediction graph = exportAndPredict(m, dir.resolve("w" + width), List.of(List.of("x"))).get(0);
      for (KeslerModel.Prediction p : List.of(java, graph)) {
        if (width == 1) {
          assertEquals("A > B", p.path());
          assertArrayEquals(new double[] {sigmoid(0.5), sigmoid(-2)}, p.levelScores(), 1e-6);
          assertEquals(sigmoid(0.5) * sigmoid(-2), p.confidence(), 1e-9);
        } else {
          assertEquals("F", p.path());
          assertArrayEquals(new double[] {sigmoid(0.4f)}, p.levelScores(), 1e-6);
          assertEquals(sigmoid(0.4f), p.confidence(), 1e-9);
        }
      }
      // The confidence stop keeps A's score (0.62 > F's 0.60), whatever A's stop class says.
      KeslerModel unsure = new KeslerModel("m", T, biases(b), Map.of()).setBeamWidth(width).setMinConfidence(0.3);
      KeslerModel.Prediction g = exportAndPredict(unsure, dir.resolve("u" + width), List.of(List.of("x"))).get(0);
      assertEquals("A", g.path());
      assertEquals(sigmoid(0.5), g.confidence(), 1e-9);
      assertEquals("A", unsure.predict(List.of("x")).path());
    }
  }

  @Test
  void termsCountOnceAndPaddingIsIgnored(@TempDir Path dir) throws Exception {
    float[] w = new float[NF];
    w[dev.nightjar.category.KeslerWeights.index(T, "6|", "zebra", NF)] = 10f;
    w[dev.nightjar.category.KeslerWeights.index(T, "6|", "caf\u00e9", NF)] = 1f;
    KeslerModel m = new KeslerModel("m", T, w, Map.of());
    List<List<String>> products = List.of(
        List.of("zebra"),
        List.of("zebra", "zebra", "zebra"),
        List.of("zebra", "caf\u00e9", "zebra", "x", "y", "z", "w", "v"),
        List.of("zebras"));
    List<KeslerModel.Prediction> p = exportAndPredict(m, dir, products);
    double v1 = KeslerFeatures.valueOf(1);
    assertEquals("F", p.get(0).path());
    assertArrayEquals(new double[] {sigmoid(10 * v1)}, p.get(0).levelScores(), 1e-6);
    assertArrayEquals(new double[] {sigmoid(10 * v1)}, p.get(1).levelScores(), 1e-6);
    // Seven distinct terms: (10 + 1) * 7^(-1/4).
    assertEquals("F", p.get(2).path());
    assertArrayEquals(new double[] {sigmoid(11 * KeslerFeatures.valueOf(7))}, p.get(2).levelScores(), 1e-6);
    // No weight: every score is 0, the first child wins ties as in Java.
    assertEquals(m.predict(products.get(3)).path(), p.get(3).path());
    assertEquals("A > B", p.get(3).path());
    for (int i = 0; i < products.size(); i++) {
      assertArrayEquals(m.predict(products.get(i)).levelScores(), p.get(i).levelScores(), 1e-6);
    }
  }

  @Test
  void randomModelsAgreeWithKeslerModelPredict(@TempDir Path dir) throws Exception {
    Random r = new Random(7);
    int nf = 1 << 12; // small, so that (class, term) features collide as they do in real models
    float[] w = new float[nf];
    for (int i = 0; i < nf; i++) {
      w[i] = (float) (r.nextGaussian() * 2);
    }
    List<String> vocab = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      vocab.add((i % 7 == 0 ? "\u00e9t\u00e9" : "w") + i);
    }
    List<List<String>> products = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      int n = r.nextInt(30);
      List<String> t = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        t.add(vocab.get(r.nextInt(vocab.size())));
      }
      products.add(t);
    }
    // (beam width, objective, minimum confidence)
    Object[][] cases = {{1, "pointwise", 0.0}, {1, "pointwise", 0.7}, {3, "pointwise", 0.3}, {3, "sibling-softmax", 0.0},
        {1, "sibling-softmax", 0.3}};
    for (Object[] c : cases) {
      double minConf = (Double) c[2];
      KeslerModel m = new KeslerModel("m", T, w, Map.of("objective", c[1])).setMinConfidence(minConf)
          .setBeamWidth((Integer) c[0]);
      String name = "c" + c[0] + c[1] + minConf;
      List<KeslerModel.Prediction> p = exportAndPredict(m, dir.resolve(name), products);
      int inner = 0;
      for (int i = 0; i < products.size(); i++) {
        KeslerModel.Prediction want = m.predict(products.get(i));
        assertEquals(want.path(), p.get(i).path(), "product " + i + " " + products.get(i));
        assertEquals(want.id(), p.get(i).id());
        assertEquals(want.index(), p.get(i).index());
        assertArrayEquals(want.levelScores(), p.get(i).levelScores(), 1e-6, "product " + i);
        assertEquals(want.confidence(), p.get(i).confidence(), 1e-9, "product " + i);
        inner += T.isLeaf(want.index()) ? 0 : 1;
      }
      // Both stop rules are exercised (stop classes with random weights, the confidence stop).
      assertTrue(inner > 100, "inner-node predictions: " + inner);
      // Concurrent callers of one scorer get the same answers, one product per call.
      var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
      try (CategoryScorer s = CategoryScorer.load(dir.resolve(name))) {
        List<java.util.concurrent.Future<String>> paths = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
          List<String> one = products.get(i);
          paths.add(pool.submit(() -> s.predict(List.of(one)).get(0).path()));
        }
        for (int i = 0; i < paths.size(); i++) {
          assertEquals(p.get(i).path(), paths.get(i).get(), "product " + i);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}

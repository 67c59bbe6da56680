package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Greedy traversal on a hand-set model: only class biases are non-zero. */
class KeslerModelTest {
  private static final int NF = 1 << 20;
  private static final List<String> TOKENS = List.of("anything");

  private static float[] weights(Map<String, Float> biasByClass) {
    return KeslerWeights.biases(KeslerExpansionTest.T, biasByClass, NF);
  }

  private static KeslerModel model(Map<String, Float> biases) {
    return new KeslerModel("m", KeslerExpansionTest.T, weights(biases), Map.of());
  }

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  @Test
  void descendsToTheBestChildAtEachLevel() {
    KeslerModel m = model(Map.of("1|", 2f, "6|", -1f, "2|", -1f, "3|", 1f, "4|", 0.5f, "5|", 3f));
    KeslerModel.Prediction p = m.predict(TOKENS);
    assertEquals("A > C > E", p.path());
    assertEquals(5L, p.id());
    assertArrayEquals(new double[] {sigmoid(2), sigmoid(1), sigmoid(3)}, p.levelScores(), 1e-6);
  }

  @Test
  void calibratedMarginsGiveTheLevelProbabilities() {
    KeslerModel m = new KeslerModel("m", KeslerExpansionTest.T,
        weights(Map.of("1|", 2f, "6|", -1f, "2|", -1f, "3|", 1f, "4|", 0.5f, "5|", 3f)),
        Map.of(Calibration.INFO_KEY, List.of(2.0, -0.5)));
    KeslerModel.Prediction p = m.predict(TOKENS);
    assertEquals("A > C > E", p.path());
    assertArrayEquals(new double[] {sigmoid(3.5), sigmoid(1.5), sigmoid(5.5)}, p.levelScores(), 1e-6);
    assertEquals(sigmoid(3.5) * sigmoid(1.5) * sigmoid(5.5), p.confidence(), 1e-9);
  }

  @Test
  void stopClassEndsAtAnInnerNode() {
    KeslerModel m = model(Map.of("1|", 2f, "3|", 1f, "5|", 3f, "3$|", 5f));
    assertEquals("A > C", m.predict(TOKENS).path());
  }

  @Test
  void confidenceStopPredictsTheInnerNode() {
    KeslerModel m = model(Map.of("1|", 2f, "3|", 0.5f, "5|", 3f));
    assertEquals("A > C > E", m.predict(TOKENS, 0.0).path());
    assertEquals("A", m.predict(TOKENS, sigmoid(0.5) + 0.01).path());
    // The first level is always taken, however unsure.
    assertEquals("A", model(Map.of("1|", -3f, "6|", -4f)).predict(TOKENS, 0.99).path());
  }

  @Test
  void termWeightsAreClassSpecific() {
    float[] w = new float[NF];
    double v = KeslerFeatures.valueOf(1);
    w[KeslerWeights.index(KeslerExpansionTest.T, "6|", "zebra", NF)] = 10f;
    KeslerModel m = new KeslerModel("m", KeslerExpansionTest.T, w, Map.of());
    assertEquals("F", m.predict(List.of("zebra")).path());
    assertEquals(sigmoid(10 * v), m.predict(List.of("zebra")).levelScores()[0], 1e-6);
    assertNotEquals("F", m.predict(List.of("zebras")).path());
  }

  @Test
  void encodedIndicesEqualTheStringDefinition() {
    // Short and long terms (FarmHash has separate code for 0-16, 17-32, 33-64 and 65+ bytes),
    // multi-byte UTF-8, ids short and longer than the 8-byte fast prefix, and a size that is not a
    // power of two (a slot past the end wraps around).
    Taxonomy t = Taxonomy.parseGoogle(new java.io.StringReader(
        "1 - A\n5181 - A > B\n499999999999 - A > C\n7 - A > C > D\n8 - A > C > E\n6 - F\n"), "ids");
    List<String> terms = List.of("a", "caf\u00e9", "t:shirt", "b:cotton_shirt", "x".repeat(40), "y".repeat(70),
        "\u043a\u043e\u0448\u043a\u0430", "z".repeat(20));
    KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(terms);
    int[] out = new int[terms.size() + 1];
    int n = t.nodes().size();
    for (int size : new int[] {1 << 22, 1000, (1 << 18) + 3}) {
      KeslerFeatures.Layout layout = new KeslerFeatures.Layout(t, size);
      for (int c = 1; c < 2 * n; c++) {
        if (layout.decision(c) < 0) {
          continue; // a leaf has no stop class
        }
        boolean stop = c >= n;
        long id = t.node(stop ? c - n : c).id();
        enc.indices(layout, c, out);
        for (int i = 0; i < terms.size(); i++) {
          assertEquals(KeslerFeatures.index(t, id, stop, terms.get(i), size), out[i], id + (stop ? "$ " : " ") + terms.get(i) + " mod " + size);
        }
        assertEquals(KeslerFeatures.index(t, id, stop, KeslerFeatures.BIAS, size), out[terms.size()], id + " bias mod " + size);
      }
    }
    // The rule spelled out once: C is A's second child (slot 2), D's stop class is slot 0 of D.
    long key = dev.nightjar.text.FeatureHashing.fingerprint("1|t:shirt");
    assertEquals((int) ((Long.remainderUnsigned(key, 1000) + 2) % 1000), KeslerFeatures.index(t, 499_999_999_999L, false, "t:shirt", 1000));
    assertEquals((int) Long.remainderUnsigned(dev.nightjar.text.FeatureHashing.fingerprint("7|t:shirt"), 1000),
        KeslerFeatures.index(t, 7, true, "t:shirt", 1000));
    assertEquals(2, new KeslerFeatures.Layout(t, 1000).slot(t.byId(499_999_999_999L).index()));
  }

  @Test
  void aDecisionScoresItsCandidatesFromAdjacentWeights() {
    // The sum of one decision's slots equals each class scored on its own, including a slot that wraps.
    Taxonomy t = KeslerExpansionTest.T;
    List<String> terms = List.of("red", "shoe", "t:red");
    KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(terms);
    for (int size : new int[] {1 << 16, 37}) {
      KeslerFeatures.Layout layout = new KeslerFeatures.Layout(t, size);
      float[] w = new float[size];
      for (int i = 0; i < size; i++) {
        w[i] = (float) Math.sin(i + 1);
      }
      for (var node : t.nodes()) {
        int u = node.index();
        int[] children = t.children(u);
        if (children.length == 0) {
          continue;
        }
        double[] slots = new double[children.length + 1];
        enc.sumDecision(layout, u, slots.length, w, slots);
        int[] idx = new int[terms.size() + 1];
        for (int j = 0; j <= children.length; j++) {
          if (j == 0 && u == 0) {
            continue;
          }
          int c = j == 0 ? KeslerExpansion.stop(t, u) : children[j - 1];
          enc.indices(layout, c, idx);
          double z = 0;
          for (int i = 0; i < terms.size(); i++) {
            z += w[idx[i]];
          }
          assertEquals(z, slots[j], 0.0, node.path() + " slot " + j + " size " + size);
        }
      }
    }
  }

  @Test
  void prefixedFingerprintIsGuavasFarmHashForEveryLength() {
    var farm = com.google.common.hash.Hashing.farmHashFingerprint64();
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int p = 1; p <= PrefixedFingerprint.MAX_PREFIX; p++) {
      for (int m = 0; p + m <= PrefixedFingerprint.MAX_LENGTH; m++) {
        for (int k = 0; k < 200; k++) {
          byte[] prefix = new byte[p];
          byte[] padded = new byte[m + 8];
          for (int i = 0; i < p; i++) {
            prefix[i] = (byte) r.nextInt(256);
          }
          for (int i = 0; i < padded.length; i++) {
            padded[i] = (byte) r.nextInt(256); // the padding too: it must never matter
          }
          byte[] whole = java.util.Arrays.copyOf(prefix, p + m);
          System.arraycopy(padded, 0, whole, p, m);
          assertEquals(farm.hashBytes(whole).asLong(),
              PrefixedFingerprint.fingerprint(PrefixedFingerprint.word(prefix), p, padded, m),
              "prefix " + p + " bytes, term " + m + " bytes");
        }
      }
    }
  }

  @Test
  void saveLoadRoundTripGivesIdenticalPredictions(@TempDir Path dir) throws Exception {
    var spark = SharedSpark.get();
    StructType schema = new StructType().add("tokens", DataTypes.createArrayType(DataTypes.StringType))
        .add("category", DataTypes.StringType);
    List<Row> rows = new java.util.ArrayList<>();
    String[][] data = {{"A > B", "bee"}, {"A > C > D", "dee"}, {"A > C > E", "eel"}, {"F", "fox"}};
    for (int k = 0; k < 5; k++) {
      for (String[] d : data) {
        rows.add(RowFactory.create(List.of(d[1], "w" + k), d[0]));
      }
    }
    var df = spark.createDataFrame(rows, schema);
    for (String objective : List.of(KeslerClassifier.OBJECTIVE_POINTWISE, KeslerClassifier.OBJECTIVE_SOFTMAX)) {
      KeslerModel m = new KeslerClassifier().setTaxonomy(KeslerExpansionTest.T).setNumFeatures(1 << 16)
          .setEpochs(20).setObjective(objective).fit(df).setMinConfidence(0.1).setBeamWidth(3);
      assertEquals(objective, m.info().get("objective"));
      assertEquals(objective.equals(KeslerClassifier.OBJECTIVE_SOFTMAX), m.softmax());
      for (String[] d : data) {
        assertEquals(d[0], m.predict(List.of(d[1])).path(), objective + " learns its training data");
        assertEquals(d[0], m.predict(List.of(d[1]), 0.1, 1).path(), objective + " learns its training data (greedy)");
      }
      String path = dir.resolve("model-" + objective).toString();
      m.write().save(path);
      KeslerModel loaded = KeslerModel.load(path);
      assertArrayEquals(m.weights(), loaded.weights());
      assertEquals(0.1, loaded.getMinConfidence());
      assertEquals(3, loaded.getBeamWidth());
      assertEquals(true, loaded.softmax() == m.softmax());
      var in = df.select("tokens");
      assertEquals(m.setPredictionCol("p").transform(in).collectAsList(),
          loaded.setPredictionCol("p").transform(in).collectAsList());
    }
    // A model saved before the decision layout (format 1) hashed each class apart: refused, not misread.
    java.nio.file.Path meta = dir.resolve("model-" + KeslerClassifier.OBJECTIVE_POINTWISE).resolve("metadata.json");
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    var tree = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(meta.toFile());
    json.writeValue(meta.toFile(), tree.put("format", 1).put("featureRule", "old"));
    java.nio.file.Files.deleteIfExists(meta.resolveSibling(".metadata.json.crc"));
    var old = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
        () -> KeslerModel.load(meta.getParent().toString()));
    assertEquals(meta.getParent() + ": expected a KeslerModel of format 2 (features: "
        + KeslerFeatures.RULE + "), found format 1 (features: old); retrain it with train-category", old.getCause().getMessage());
    var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> new KeslerClassifier().setTaxonomy(KeslerExpansionTest.T).setObjective(KeslerClassifier.OBJECTIVE_SOFTMAX)
            .setExpansion(KeslerClassifier.EXPANSION_FULL).fit(df));
    assertEquals("KeslerClassifier: objective sibling-softmax trains the decisions of the siblings expansion; expected "
        + "expansion siblings and 0 sampled negatives, found expansion full and 0 sampled negatives", e.getMessage());
  }

  /**
   * The same products in one sorted partition and in seven partitions in another order train
   * bit-identical weights over five training tasks (whose models are summed in partition order,
   * not in the order the tasks finish); a real change (another seed) changes them.
   */
  @Test
  void sameRowsLaidOutTwoWaysTrainBitIdenticalWeights() {
    var spark = SharedSpark.get();
    StructType schema = new StructType().add("tokens", DataTypes.createArrayType(DataTypes.StringType))
        .add("category", DataTypes.StringType);
    List<Row> rows = new java.util.ArrayList<>();
    String[][] data = {{"A > B", "bee"}, {"A > C > D", "dee"}, {"A > C > E", "eel"}, {"F", "fox"}, {"A > C", "sea"}};
    for (int k = 0; k < 12; k++) {
      for (String[] d : data) {
        rows.add(RowFactory.create(List.of(d[1], "w" + k, "v" + (k * 7 % 5)), d[0]));
      }
    }
    var df = spark.createDataFrame(rows, schema);
    var one = df.coalesce(1).sortWithinPartitions("category");
    var seven = df.repartition(7).sortWithinPartitions(org.apache.spark.sql.functions.col("category").desc());
    java.util.function.Function<Long, KeslerClassifier> est = sd -> new KeslerClassifier().setTaxonomy(KeslerExpansionTest.T)
        .setNumFeatures(1 << 12).setEpochs(3).setNumPartitions(5).setSampledNegatives(1).setSeed(sd);
    float[] a = est.apply(42L).fit(one).weights();
    float[] b = est.apply(42L).fit(seven).weights();
    assertArrayEquals(a, b);
    assertNotEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(est.apply(7L).fit(one).weights()));
  }

  @Test
  void beamSearchKeepsTheMoreProbablePath() {
    // Greedy: A (0.62) then B (0.12), path 0.074; F alone is 0.60.
    KeslerModel m = model(Map.of("1|", 0.5f, "6|", 0.4f, "2|", -2f, "3|", -3f, "1$|", -5f));
    KeslerModel.Prediction greedy = m.predict(TOKENS, 0.0, 1);
    assertEquals("A > B", greedy.path());
    assertEquals(sigmoid(0.5) * sigmoid(-2), greedy.confidence(), 1e-12);
    KeslerModel.Prediction beam = m.predict(TOKENS, 0.0, 2);
    assertEquals("F", beam.path());
    assertArrayEquals(new double[] {sigmoid(0.4f)}, beam.levelScores(), 1e-12);
    assertEquals(sigmoid(0.4f), beam.confidence(), 1e-12);
    // A stopped path's score includes its stop class: A stops at 0.62 * 0.99 > F.
    KeslerModel stop = model(Map.of("1|", 0.5f, "6|", 0.4f, "2|", -2f, "3|", -3f, "1$|", 5f));
    KeslerModel.Prediction p = stop.predict(TOKENS, 0.0, 2);
    assertEquals("A", p.path());
    assertArrayEquals(new double[] {sigmoid(0.5)}, p.levelScores(), 1e-12);
    assertEquals(sigmoid(0.5) * sigmoid(5), p.confidence(), 1e-12);
    // The confidence stop keeps A's score (0.62 > F's 0.60), whatever A's stop class says.
    KeslerModel.Prediction unsure = m.predict(TOKENS, 0.3, 2);
    assertEquals("A", unsure.path());
    assertEquals(sigmoid(0.5), unsure.confidence(), 1e-12);
  }

  @Test
  void softmaxLevelProbabilitiesAreOverTheDecisionsCandidates() {
    // Sibling softmax: root {A: 1, F: 0}; under A {B: 0, C: 2, stop A: 0}; under C {D: 0, E: 0, stop C: 1}.
    KeslerModel m = new KeslerModel("m", KeslerExpansionTest.T,
        weights(Map.of("1|", 1f, "3|", 2f, "3$|", 1f)), Map.of("objective", KeslerClassifier.OBJECTIVE_SOFTMAX));
    KeslerModel.Prediction p = m.predict(TOKENS, 0.0, 1);
    assertEquals("A > C", p.path());
    double a = Math.exp(1) / (Math.exp(1) + 1);
    double c = Math.exp(2) / (Math.exp(2) + 2);
    assertArrayEquals(new double[] {a, c}, p.levelScores(), 1e-12);
    assertEquals(a * c * Math.exp(1) / (Math.exp(1) + 2), p.confidence(), 1e-12);
  }
}

package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

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

  private static float[] weights(Map<String, Float> biasByPrefix) {
    float[] w = new float[NF];
    Set<Integer> used = new HashSet<>();
    for (var e : biasByPrefix.entrySet()) {
      int i = dev.nightjar.text.FeatureHashing.index(e.getKey() + KeslerFeatures.BIAS, NF);
      assertEquals(true, used.add(i), "bias indices must not collide");
      w[i] = e.getValue();
    }
    return w;
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
    w[KeslerFeatures.index(6, "zebra", NF)] = 10f;
    KeslerModel m = new KeslerModel("m", KeslerExpansionTest.T, w, Map.of());
    assertEquals("F", m.predict(List.of("zebra")).path());
    assertEquals(sigmoid(10 * v), m.predict(List.of("zebra")).levelScores()[0], 1e-6);
    assertNotEquals("F", m.predict(List.of("zebras")).path());
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
    KeslerModel m = new KeslerClassifier().setTaxonomy(KeslerExpansionTest.T).setNumFeatures(1 << 16)
        .setEpochs(20).fit(df).setMinConfidence(0.1);
    for (String[] d : data) {
      assertEquals(d[0], m.predict(List.of(d[1])).path(), "learns its training data");
    }
    String path = dir.resolve("model").toString();
    m.write().save(path);
    KeslerModel loaded = KeslerModel.load(path);
    assertArrayEquals(m.weights(), loaded.weights());
    assertEquals(0.1, loaded.getMinConfidence());
    var in = df.select("tokens");
    assertEquals(m.setPredictionCol("p").transform(in).collectAsList(),
        loaded.setPredictionCol("p").transform(in).collectAsList());
  }
}

package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nightjar.testing.SharedSpark;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class HierarchicalMetricsTest {
  @Test
  void siblingLeafScoresTwoThirds() {
    HierarchicalMetrics.Counts c = HierarchicalMetrics.of("Apparel > Clothing > Shirts", "Apparel > Clothing > Dresses");
    assertEquals(2.0 / 3, c.hP(), 1e-12);
    assertEquals(2.0 / 3, c.hR(), 1e-12);
    assertEquals(2.0 / 3, c.hF(), 1e-12);
    assertEquals(0, c.exact());
  }

  @Test
  void innerNodePredictionHasFullPrecision() {
    HierarchicalMetrics.Counts c = HierarchicalMetrics.of("Apparel > Clothing", "Apparel > Clothing > Dresses");
    assertEquals(1.0, c.hP(), 1e-12);
    assertEquals(2.0 / 3, c.hR(), 1e-12);
    assertEquals(0.8, c.hF(), 1e-12);
    HierarchicalMetrics.Counts wrongTop = HierarchicalMetrics.of("Home > Decor", "Apparel > Clothing > Dresses");
    assertEquals(0, wrongTop.common());
    // The same name under another parent is not shared: prefixes are compared, not names.
    assertEquals(0, HierarchicalMetrics.commonDepth("X > Accessories", "Y > Accessories"));
  }

  @Test
  void sparkEvaluationIsMicroAveragedWithLevelsAndMacro() {
    var spark = SharedSpark.get();
    StructType s = new StructType().add("p", DataTypes.StringType).add("t", DataTypes.StringType);
    var df = spark.createDataFrame(List.of(
        RowFactory.create("A > B > C", "A > B > C"),   // 3/3
        RowFactory.create("A > B > D", "A > B > C"),   // common 2, |P| 3, |T| 3
        RowFactory.create("A > B", "A > E"),           // common 1, 2, 2
        RowFactory.create("F", "A > E")), s);           // common 0, 1, 2
    HierarchicalMetrics.Report r = HierarchicalMetrics.evaluate(df, "p", "t");
    assertEquals(new HierarchicalMetrics.Counts(4, 6, 9, 10, 1), r.overall());
    assertEquals(6.0 / 9, r.overall().hP(), 1e-12);
    assertEquals(6.0 / 10, r.overall().hR(), 1e-12);
    assertEquals(0.25, r.overall().exactAccuracy(), 1e-12);
    // Level 1: 3 of 4 right; level 2: 2 of 4; level 3: 1 of 2.
    assertArrayEquals(new double[] {0.75, 0.5, 0.5}, r.levelAccuracy(), 1e-12);
    // Per true category: A > B > C: common 5, P 6, T 6 → hF 5/6; A > E: common 1, P 3, T 4 → hP 1/3, hR 1/4.
    double hfAE = 2 * (1.0 / 3) * (1.0 / 4) / (1.0 / 3 + 1.0 / 4);
    assertEquals((5.0 / 6 + hfAE) / 2, r.macroHF(), 1e-12);
    assertEquals("A > B > C", r.categories().get(0).category());
  }
}

package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The per-product counts behind the level and confidence-stop extracts, and sibling confusions. */
class CategoryReportTest {
  private static String counts(Row r) {
    return r.getString(0) + " " + r.getDouble(1) + ": " + r.getLong(2) + "/" + r.getLong(3) + "/" + r.getLong(4)
        + " exact=" + r.getLong(5) + " stopped=" + r.getLong(6);
  }

  @Test
  void levelsCutBothPathsAndTheConfidenceStopCutsThePredictionAtTheFirstLowScoreBelowTheTop() {
    scala.collection.Seq<Double> scores =
        scala.jdk.javaapi.CollectionConverters.asScala(List.of(0.9, 0.6, 0.2)).toSeq();
    Row[] rows = CategoryReport.counts("A > B > C", "A > B > D", scores, new double[] {0, 0.3, 0.7, 0.95}, 3);
    // common/predicted/truth depths per product
    assertEquals(List.of(
        "level 1.0: 1/1/1 exact=1 stopped=0",
        "level 2.0: 2/2/2 exact=1 stopped=0",
        "level 3.0: 2/3/3 exact=0 stopped=0",
        "confidence 0.0: 2/3/3 exact=0 stopped=0",
        "confidence 0.3: 2/2/3 exact=0 stopped=1",  // 0.2 < 0.3 at level 3
        "confidence 0.7: 1/1/3 exact=0 stopped=1",  // 0.6 < 0.7 at level 2
        "confidence 0.95: 1/1/3 exact=0 stopped=1"), // the top level never stops (0.9)
        Arrays.stream(rows).map(CategoryReportTest::counts).toList());
  }

  @Test
  void siblingConfusionsNameTheParentAndBothChildren() {
    Row r = CategoryReport.siblingConfusion("A > B > C", "A > B > D");
    assertEquals("A > B|C|D", r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2));
    r = CategoryReport.siblingConfusion("A > X", "B > Y > Z");
    assertEquals("|A|B", r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2));
    assertNull(CategoryReport.siblingConfusion("A > B > C", "A > B"), "an ancestor is not a confusion");
    assertNull(CategoryReport.siblingConfusion("A > B", "A > B"));
    assertNull(CategoryReport.siblingConfusion("A > B", ""));
  }
}

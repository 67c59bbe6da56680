package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The holdout metrics on tiny inline frames: exact values, and the same bits in any partitioning. */
class HoldoutMetricsTest {
  private static final SparkSession SPARK = SharedSpark.get();
  private static final StructType SCHEMA = new StructType()
      .add("sold", DataTypes.DoubleType).add("p", DataTypes.DoubleType, true);

  private static Dataset<Row> frame(double[][] rows) {
    List<Row> out = new ArrayList<>();
    for (double[] r : rows) {
      out.add(RowFactory.create(r[0], Double.isNaN(r[1]) ? null : r[1]));
    }
    return SPARK.createDataFrame(out, SCHEMA);
  }

  @Test
  void aucCountsOrderedPairsWithTiesHalf() {
    // Sold at 0.9 outranks all 3 unsold; sold at 0.8 ties one and outranks two: 5.5 of 6 pairs.
    Dataset<Row> df = frame(new double[][] {{1, 0.9}, {0, 0.8}, {1, 0.8}, {0, 0.3}, {0, 0.1}});
    assertEquals(11.0 / 12, HoldoutMetrics.auc(df, col("sold"), col("p")));
    assertEquals(11.0 / 12, HoldoutMetrics.auc(df.repartition(3), col("sold"), col("p")));
    assertTrue(Double.isNaN(HoldoutMetrics.auc(frame(new double[][] {{1, 0.9}, {1, 0.2}}), col("sold"), col("p"))));
  }

  @Test
  void meansAreExactAndSkipNullsLikeAvg() {
    // 0.1 + 0.2 + 0.3 differs in the last bit between orders in double arithmetic; not here.
    Dataset<Row> df = frame(new double[][] {{0.1, 1}, {0.2, Double.NaN}, {0.3, 3}, {1e16, 5}, {-1e16, 7}});
    double[] m = HoldoutMetrics.means(df, col("sold"), col("p"));
    // (0.1 + 0.2 + 0.3) / 5 from the doubles' exact decimal values, rounded once.
    assertEquals(0.12, m[0]);
    assertEquals(4.0, m[1]);
    for (Dataset<Row> other : List.of(df.repartition(4), df.orderBy(col("sold").desc()).coalesce(1))) {
      double[] o = HoldoutMetrics.means(other, col("sold"), col("p"));
      assertEquals(Double.doubleToRawLongBits(m[0]), Double.doubleToRawLongBits(o[0]));
      assertEquals(m[1], o[1]);
    }
    assertTrue(Double.isNaN(HoldoutMetrics.means(df.where("p > 100"), col("p"))[0]));
  }

  @Test
  void calibrationBinsAndError() {
    Dataset<Row> df = frame(new double[][] {{0, 0.0625}, {1, 0.125}, {0, 0.1875}, {1, 0.9375}, {1, 1.0}});
    List<Row> bins = HoldoutMetrics.calibrationBins(df.repartition(3));
    assertEquals(List.of(RowFactory.create(0, 1L, 0.0625, 0.0), RowFactory.create(1, 2L, 0.15625, 0.5),
        RowFactory.create(9, 2L, 0.96875, 1.0)), bins);
    // (1 × 0.0625 + 2 × 0.34375 + 2 × 0.03125) / 5
    assertEquals(0.8125 / 5, HoldoutMetrics.calibrationError(bins));
  }
}

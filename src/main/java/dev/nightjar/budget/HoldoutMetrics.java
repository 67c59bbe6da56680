package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.tables.Deterministic;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The budget models' holdout metrics, each a pure function of the holdout rows: sums are exact
 * ({@link Deterministic#exactSum}) and only counts per bin or per score come back to the driver,
 * which combines them in a fixed order, so the figures are the same bits on any layout of the
 * input and on any cluster.
 */
final class HoldoutMetrics {
  private HoldoutMetrics() {}

  /** The mean of each column over its non-null values (NaN when it has none), like SQL's avg. */
  static double[] means(Dataset<Row> df, Column... columns) {
    List<Column> aggs = new ArrayList<>();
    for (Column c : columns) {
      aggs.add(count(c));
      aggs.add(Deterministic.exactSum(c));
    }
    Row r = df.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    double[] out = new double[columns.length];
    for (int i = 0; i < columns.length; i++) {
      out[i] = Deterministic.mean(r, 2 * i + 1, r.getLong(2 * i));
    }
    return out;
  }

  /**
   * Area under the ROC curve of {@code score} for the 0/1 {@code label}: the share of (sold, not
   * sold) pairs the score orders right, ties counting half (the trapezoids of the ROC curve
   * through every distinct score), from integer counts per distinct score. NaN when the holdout
   * has one class only.
   */
  static double auc(Dataset<Row> scored, Column label, Column score) {
    List<Row> byScore = scored.groupBy(score.as("s"))
        .agg(sum(when(label.gt(0.5), 1L).otherwise(0L)), sum(when(label.gt(0.5), 0L).otherwise(1L)))
        .orderBy(col("s").desc())
        .collectAsList();
    long positives = 0;
    long negatives = 0;
    BigDecimal twiceArea = BigDecimal.ZERO;
    for (Row r : byScore) {
      long pos = r.getLong(1);
      long neg = r.getLong(2);
      // Each negative at this score is outranked by every positive above it, and ties half.
      twiceArea = twiceArea.add(BigDecimal.valueOf(neg).multiply(BigDecimal.valueOf(2 * positives + pos)));
      positives += pos;
      negatives += neg;
    }
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return Deterministic.mean(twiceArea, 2 * positives * negatives);
  }

  /**
   * The holdout in 10 chance bins by {@code p}: bin (0-9), rows, mean chance, sold rate (schema
   * {@link ModelMetrics#CALIBRATION}), in bin order.
   */
  static List<Row> calibrationBins(Dataset<Row> scored) {
    List<Row> sums = scored
        .groupBy(least(floor(col("p").multiply(10)), lit(9)).cast("int").as("bin"))
        .agg(count(lit(1)), Deterministic.exactSum(col("p")), Deterministic.exactSum(col("sold")))
        .orderBy("bin")
        .collectAsList();
    List<Row> bins = new ArrayList<>();
    for (Row b : sums) {
      long n = b.getLong(1);
      bins.add(RowFactory.create(b.getInt(0), n, Deterministic.mean(b, 2, n), Deterministic.mean(b, 3, n)));
    }
    return bins;
  }

  /** Expected calibration error: the row-weighted mean |mean chance - sold rate| over the chance bins. */
  static double calibrationError(List<Row> bins) {
    long n = 0;
    double err = 0;
    for (Row b : bins) {
      long k = b.getLong(1);
      n += k;
      err += k * Math.abs(b.getDouble(2) - b.getDouble(3));
    }
    return n == 0 ? Double.NaN : err / n;
  }
}

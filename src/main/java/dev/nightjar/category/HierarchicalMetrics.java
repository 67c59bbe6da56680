package dev.nightjar.category;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.taxonomy.Taxonomy;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Hierarchical precision, recall and F1 (Kiritchenko et al., as reviewed by Costa et al.): the
 * predicted and the true category are each augmented with all their ancestors (the root
 * excluded); hP = Σ|P∩T| / Σ|P|, hR = Σ|P∩T| / Σ|T|, hF = 2·hP·hR / (hP+hR), summed over all
 * products (micro). In a tree both sets are paths from the root, so |P∩T| is the length of their
 * common prefix. Also exact-path accuracy, accuracy at each level, and hF macro-averaged over
 * the true categories.
 */
public final class HierarchicalMetrics {
  private HierarchicalMetrics() {}

  /** Sums over products; every metric derives from them. */
  public record Counts(long products, long common, long predicted, long truth, long exact) {
    public double hP() {
      return predicted == 0 ? 0 : (double) common / predicted;
    }

    public double hR() {
      return truth == 0 ? 0 : (double) common / truth;
    }

    public double hF() {
      double p = hP(), r = hR();
      return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    public double exactAccuracy() {
      return products == 0 ? 0 : (double) exact / products;
    }

    public Counts plus(Counts o) {
      return new Counts(products + o.products, common + o.common, predicted + o.predicted,
          truth + o.truth, exact + o.exact);
    }
  }

  /** |P∩T|: the number of leading levels two paths share. */
  public static int commonDepth(String predicted, String truth) {
    if (predicted == null || truth == null || predicted.isEmpty() || truth.isEmpty()) {
      return 0;
    }
    List<String> p = Taxonomy.splitPath(predicted);
    List<String> t = Taxonomy.splitPath(truth);
    int k = 0;
    while (k < p.size() && k < t.size() && p.get(k).equals(t.get(k))) {
      k++;
    }
    return k;
  }

  public static int depth(String path) {
    return path == null || path.isBlank() ? 0 : Taxonomy.splitPath(path).size();
  }

  /** The counts of one product. */
  public static Counts of(String predicted, String truth) {
    int c = commonDepth(predicted, truth);
    int dp = depth(predicted), dt = depth(truth);
    return new Counts(1, c, dp, dt, c == dt && dp == dt ? 1 : 0);
  }

  /** Overall, per-level and per-category figures of a Spark evaluation. */
  public record Report(Counts overall, double macroHF, double[] levelAccuracy, List<CategoryRow> categories) {}

  public record CategoryRow(String category, Counts counts) {}

  /**
   * Evaluates {@code predictionCol} against {@code labelCol} (both paths). Aggregations run in
   * Spark; only one row per true category comes back to the driver.
   */
  public static Report evaluate(Dataset<Row> df, String predictionCol, String labelCol) {
    var common = functions.udf((UDF2<String, String, Integer>) HierarchicalMetrics::commonDepth, DataTypes.IntegerType);
    var depth = functions.udf((org.apache.spark.sql.api.java.UDF1<String, Integer>) HierarchicalMetrics::depth, DataTypes.IntegerType);
    Dataset<Row> per =
        df.select(col(labelCol).as("t"), col(predictionCol).as("p"))
            .withColumn("c", common.apply(col("p"), col("t")))
            .withColumn("dp", depth.apply(col("p")))
            .withColumn("dt", depth.apply(col("t")));
    Column exact = when(col("c").equalTo(col("dt")).and(col("dp").equalTo(col("dt"))), 1).otherwise(0);
    List<Row> byCategory =
        per.groupBy("t")
            .agg(count(lit(1)), sum("c"), sum("dp"), sum("dt"), sum(exact), functions.max("dt"))
            .orderBy("t")
            .collectAsList();
    int maxDepth = 0;
    Counts overall = new Counts(0, 0, 0, 0, 0);
    List<CategoryRow> cats = new ArrayList<>();
    double macro = 0;
    for (Row r : byCategory) {
      Counts c = new Counts(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5));
      cats.add(new CategoryRow(r.getString(0), c));
      overall = overall.plus(c);
      macro += c.hF();
      maxDepth = Math.max(maxDepth, r.getInt(6));
    }
    double[] levels = new double[maxDepth];
    if (maxDepth > 0) {
      List<Column> aggs = new ArrayList<>();
      for (int k = 1; k <= maxDepth; k++) {
        aggs.add(avg(when(col("dt").geq(k), when(col("c").geq(k), 1.0).otherwise(0.0))));
      }
      Row l = per.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
      for (int k = 0; k < maxDepth; k++) {
        levels[k] = l.isNullAt(k) ? 0 : l.getDouble(k);
      }
    }
    return new Report(overall, cats.isEmpty() ? 0 : macro / cats.size(), levels, cats);
  }
}

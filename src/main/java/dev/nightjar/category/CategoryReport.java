package dev.nightjar.category;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The category part of the report extracts: {@value CategoryMetrics#TABLE} up to the day, and from
 * the newest {@value CategoryMetrics#HOLDOUT_TABLE} on or before it the hierarchical metrics cut
 * at each level, the effect of each confidence-stop threshold, and the most common confusions
 * between siblings. Counting runs in Spark; only one row per threshold, level or confusion comes
 * back.
 */
public final class CategoryReport {
  public static final String METRICS = "category_metrics";
  public static final String LEVELS = "category_levels";
  public static final String CONFIDENCE = "category_confidence";
  public static final String CONFUSIONS = "category_confusions";
  /** The most common sibling confusions kept. */
  static final int MAX_CONFUSIONS = 200;

  private static final StructType COUNTS = new StructType()
      .add("kind", DataTypes.StringType, false)
      .add("key", DataTypes.DoubleType, false)
      .add("common", DataTypes.LongType, false)
      .add("predicted", DataTypes.LongType, false)
      .add("truth", DataTypes.LongType, false)
      .add("exact", DataTypes.LongType, false)
      .add("stopped", DataTypes.LongType, false);

  private static final StructType CONFUSION = new StructType()
      .add("parent", DataTypes.StringType, false)
      .add("true_child", DataTypes.StringType, false)
      .add("predicted_child", DataTypes.StringType, false);

  private CategoryReport() {}

  /** The confidence stop predict-category applies. */
  public static Map<String, Object> settings(JobContext context) {
    return Map.of("min_confidence", Settings.doubleIn(context.config(), PredictCategoryJob.MIN_CONFIDENCE, 0, 1));
  }

  public static void extract(JobContext context, LocalDate ds, BiConsumer<String, Dataset<Row>> out) {
    Warehouse w = Warehouse.of(context);
    String day = ds.toString();
    if (w.exists(CategoryMetrics.TABLE)) {
      out.accept(METRICS, w.read(CategoryMetrics.TABLE).where(col(Warehouse.DS).leq(day)));
    }
    if (!w.exists(CategoryMetrics.HOLDOUT_TABLE)) {
      return;
    }
    Row newest = w.read(CategoryMetrics.HOLDOUT_TABLE).where(col(Warehouse.DS).leq(day))
        .agg(functions.max(Warehouse.DS)).first();
    if (newest.isNullAt(0)) {
      return;
    }
    double configured = (Double) settings(context).get("min_confidence");
    Dataset<Row> holdout = w.read(CategoryMetrics.HOLDOUT_TABLE).where(col(Warehouse.DS).equalTo(newest.get(0)))
        .select("category", "predicted", "level_scores").persist(StorageLevel.MEMORY_AND_DISK());
    try {
      var depth = functions.udf((org.apache.spark.sql.api.java.UDF1<String, Integer>) HierarchicalMetrics::depth,
          DataTypes.IntegerType);
      Row d = holdout.agg(functions.max(depth.apply(col("category"))), functions.max(depth.apply(col("predicted"))))
          .first();
      int maxDepth = Math.max(d.isNullAt(0) ? 0 : d.getInt(0), d.isNullAt(1) ? 0 : d.getInt(1));
      TreeSet<Double> grid = new TreeSet<>();
      for (int i = 0; i < 20; i++) {
        grid.add(i / 20.0);
      }
      grid.add(configured);
      double[] thresholds = grid.stream().mapToDouble(Double::doubleValue).toArray();
      var counts = functions.udf((UDF3<String, String, scala.collection.Seq<Double>, Row[]>)
          (truth, predicted, scores) -> counts(truth, predicted, scores, thresholds, maxDepth),
          DataTypes.createArrayType(COUNTS));
      List<Row> sums = holdout
          .select(functions.explode(counts.apply(col("category"), col("predicted"), col("level_scores"))).as("x"))
          .groupBy(col("x.kind"), col("x.key"))
          .agg(count(lit(1)), sum("x.common"), sum("x.predicted"), sum("x.truth"), sum("x.exact"), sum("x.stopped"))
          .orderBy("kind", "key")
          .collectAsList();
      List<Row> levels = new ArrayList<>();
      List<Row> confidence = new ArrayList<>();
      for (Row r : sums) {
        HierarchicalMetrics.Counts c =
            new HierarchicalMetrics.Counts(r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5), r.getLong(6));
        if (r.getString(0).equals("level")) {
          levels.add(RowFactory.create((int) r.getDouble(1), c.products(), c.hP(), c.hR(), c.hF(), c.exactAccuracy()));
        } else {
          confidence.add(RowFactory.create(r.getDouble(1), r.getDouble(1) == configured, c.products(), c.hP(), c.hR(),
              c.hF(), c.exactAccuracy(), (double) r.getLong(7) / c.products()));
        }
      }
      String model = newest.getString(0);
      out.accept(LEVELS, w.spark().createDataFrame(levels, new StructType()
              .add("level", DataTypes.IntegerType).add("products", DataTypes.LongType).add("hP", DataTypes.DoubleType)
              .add("hR", DataTypes.DoubleType).add("hF", DataTypes.DoubleType).add("exact", DataTypes.DoubleType))
          .withColumn("holdout_ds", lit(model)));
      out.accept(CONFIDENCE, w.spark().createDataFrame(confidence, new StructType()
              .add("threshold", DataTypes.DoubleType).add("configured", DataTypes.BooleanType)
              .add("products", DataTypes.LongType).add("hP", DataTypes.DoubleType).add("hR", DataTypes.DoubleType)
              .add("hF", DataTypes.DoubleType).add("exact", DataTypes.DoubleType).add("stopped_share", DataTypes.DoubleType))
          .withColumn("holdout_ds", lit(model)));
      var confusion = functions.udf((UDF2<String, String, Row>) CategoryReport::siblingConfusion, CONFUSION);
      out.accept(CONFUSIONS, holdout
          .select(confusion.apply(col("category"), col("predicted")).as("x"))
          .where(col("x").isNotNull())
          .groupBy(col("x.parent").as("parent"), col("x.true_child").as("true_child"),
              col("x.predicted_child").as("predicted_child"))
          .agg(count(lit(1)).as("products"))
          .orderBy(col("products").desc(), col("parent"), col("true_child"), col("predicted_child"))
          .limit(MAX_CONFUSIONS)
          .withColumn("holdout_ds", lit(model)));
    } finally {
      holdout.unpersist();
    }
  }

  /**
   * One product's counts: per level k the paths cut to k levels, and per threshold t the
   * prediction the confidence stop at t gives. That stop ends the greedy path at the first level
   * below the top whose chosen child scores under t ({@link KeslerModel#predict(List, double)}),
   * so it is the stop-free path cut there.
   */
  static Row[] counts(String truth, String predicted, scala.collection.Seq<Double> scores, double[] thresholds,
      int maxDepth) {
    int c = HierarchicalMetrics.commonDepth(predicted, truth);
    int dp = HierarchicalMetrics.depth(predicted);
    int dt = HierarchicalMetrics.depth(truth);
    Row[] rows = new Row[maxDepth + thresholds.length];
    for (int k = 1; k <= maxDepth; k++) {
      int p = Math.min(dp, k), t = Math.min(dt, k), cc = Math.min(c, k);
      rows[k - 1] = RowFactory.create("level", (double) k, (long) cc, (long) p, (long) t, cc == t && p == t ? 1L : 0L, 0L);
    }
    for (int i = 0; i < thresholds.length; i++) {
      int stop = dp;
      for (int k = 1; scores != null && k < Math.min(dp, scores.size()); k++) {
        if (scores.apply(k) < thresholds[i]) {
          stop = k;
          break;
        }
      }
      int cc = Math.min(c, stop);
      rows[maxDepth + i] = RowFactory.create("confidence", thresholds[i], (long) cc, (long) stop, (long) dt,
          cc == dt && stop == dt ? 1L : 0L, stop < dp ? 1L : 0L);
    }
    return rows;
  }

  /**
   * Where a wrong path leaves the true one between siblings: the common parent ("" for the root)
   * and the two children; null when the paths agree or one is an ancestor of the other.
   */
  static Row siblingConfusion(String truth, String predicted) {
    int c = HierarchicalMetrics.commonDepth(predicted, truth);
    if (c >= HierarchicalMetrics.depth(truth) || c >= HierarchicalMetrics.depth(predicted)) {
      return null;
    }
    List<String> t = Taxonomy.splitPath(truth);
    List<String> p = Taxonomy.splitPath(predicted);
    return RowFactory.create(String.join(Taxonomy.SEPARATOR, t.subList(0, c)), t.get(c), p.get(c));
  }
}

package dev.nightjar.category;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The annotators' review queue (table {@value #TABLE}, by {@code ds}), written by {@code
 * predict-category}: the products whose confidence is below {@code category.review.min-confidence}
 * or whose predicted category changed since the previous night's predictions (the newest {@code
 * category_predictions} partition before the run date). A product's confidence is the product of
 * its level scores, the probability of the descent it took, computed the same way for both
 * nights.
 *
 * <p>Priority: 1 for a changed category (both nights cannot be right) plus {@code 1 - confidence};
 * ranked by priority, then product id; at most {@code category.review.max-rows} rows. Annotators'
 * fixes go to the corrections table ({@code product_id}, {@code category}, {@code source}) that
 * {@code train-category --corrections} applies to the next model.
 */
public final class CategoryReview {
  public static final String TABLE = "category_review";
  static final String MIN_CONFIDENCE = "category.review.min-confidence";
  static final String MAX_ROWS = "category.review.max-rows";
  public static final String LOW_CONFIDENCE = "low_confidence";
  public static final String CHANGED = "changed";

  /** The queue's settings. */
  public record Options(double minConfidence, int maxRows) {
    public static Options from(Config c) {
      return new Options(Settings.doubleIn(c, MIN_CONFIDENCE, 0, 1), Settings.intIn(c, MAX_ROWS, 0, 100_000_000));
    }
  }

  private CategoryReview() {}

  /** The product of an array of level scores (1 for none). */
  static Column confidence(Column levelScores) {
    return functions.aggregate(levelScores, lit(1.0), (a, x) -> a.multiply(x));
  }

  /**
   * The queue from tonight's predictions and, when there are any, the previous night's (both
   * with {@code product_id}, {@code category}, {@code level_scores}; tonight's also {@code
   * model_version}). Columns: {@code rank} (1 first), {@code product_id}, {@code reason} ({@value
   * #LOW_CONFIDENCE}, {@value #CHANGED} or both, comma-separated), {@code priority}, {@code
   * category}, {@code confidence}, {@code previous_category}, {@code previous_confidence}, {@code
   * model_version}.
   */
  public static Dataset<Row> queue(Dataset<Row> tonight, Optional<Dataset<Row>> previous, Options o) {
    Dataset<Row> now = tonight.select(col("product_id"), col("category"), confidence(col("level_scores")).as("confidence"),
        col("model_version"));
    Dataset<Row> joined;
    if (previous.isPresent()) {
      Dataset<Row> before = previous.get().select(col("product_id"), col("category").as("previous_category"),
          confidence(col("level_scores")).as("previous_confidence"));
      joined = now.join(before, "product_id", "left");
    } else {
      joined = now.withColumn("previous_category", lit(null).cast("string"))
          .withColumn("previous_confidence", lit(null).cast("double"));
    }
    Column low = col("confidence").lt(o.minConfidence());
    Column changed = coalesce(col("previous_category").notEqual(col("category")), lit(false));
    Dataset<Row> candidates = joined.where(low.or(changed))
        .withColumn("reason", concat_ws(",", when(low, lit(LOW_CONFIDENCE)), when(changed, lit(CHANGED))))
        .withColumn("priority", when(changed, lit(1.0)).otherwise(lit(0.0)).plus(lit(1.0).minus(col("confidence"))))
        .orderBy(col("priority").desc(), col("product_id"))
        .limit(o.maxRows())
        .select(col("product_id"), col("reason"), col("priority"), col("category"), col("confidence"),
            col("previous_category"), col("previous_confidence"), col("model_version"));
    // At most max-rows rows, already in rank order: numbered on the driver, not by a window
    // without a partition (which Spark would run on one partition and warn about).
    List<Row> top = candidates.collectAsList();
    List<Row> ranked = new ArrayList<>(top.size());
    for (int i = 0; i < top.size(); i++) {
      Object[] values = new Object[top.get(i).size() + 1];
      values[0] = i + 1;
      for (int j = 0; j < top.get(i).size(); j++) {
        values[j + 1] = top.get(i).get(j);
      }
      ranked.add(RowFactory.create(values));
    }
    StructType schema = new StructType()
        .add("rank", DataTypes.IntegerType, false);
    for (StructField f : candidates.schema().fields()) {
      schema = schema.add(f);
    }
    return candidates.sparkSession().createDataFrame(ranked, schema);
  }

  /** The newest {@code category_predictions} partition before {@code ds}, if any. */
  public static Optional<Dataset<Row>> previousNight(Warehouse w, String table, LocalDate ds) {
    if (!w.exists(table)) {
      return Optional.empty();
    }
    Row r = w.read(table).where(col(Warehouse.DS).lt(lit(ds.toString()))).agg(functions.max(col(Warehouse.DS))).first();
    if (r.isNullAt(0)) {
      return Optional.empty();
    }
    return Optional.of(w.read(table, LocalDate.parse(r.get(0).toString())));
  }
}

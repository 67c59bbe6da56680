package dev.nightjar.budget;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The three Spark ML models behind a budget recommendation, their inputs and where they live.
 *
 * <ul>
 *   <li><b>range</b>: a linear regression of a campaign's log budget on the shop's as-of state
 *       (log daily ad spend, visitors and sales over the past 30 days, shop age, and the mean log budget
 *       of its past campaigns weighted by {@code n / (n + 2)}, which shrinks a short history
 *       toward the state-based estimate). The range is {@code exp(prediction + r_lo)} to {@code
 *       exp(prediction + r_hi)} where {@code r_lo}, {@code r_hi} are the low and high quantiles of
 *       the training residuals (split-conformal quantiles), so the band holds the configured
 *       share of a shop's budgets; its coverage is measured on the holdout.
 *   <li><b>chance</b>: a logistic regression of "the campaign made a sale" on log budget and the
 *       shop's as-of state (log visitors, log conversion, log sales, log ad spend, shop age, the
 *       past success rate weighted like above).
 *   <li><b>cpv</b>: a linear regression of a campaign's log cost per visitor (spend / visitors
 *       acquired) on the shop's past mean log cost per visitor (weighted), log visitors, country and
 *       main category, so shops without history still get a cost.
 * </ul>
 */
public final class BudgetModels {
  static final String MODEL = "budget";
  static final String STAGING = "models_staging";
  public static final String RANGE = "range";
  public static final String CHANCE = "chance";
  public static final String CPV = "cpv";

  static final String[] RANGE_FEATURES = {"ln_ad_spend", "ln_visitors", "ln_sales", "ln_age", "hist_w", "hist_budget"};
  static final String[] CHANCE_FEATURES = {
    "ln_budget", "ln_visitors", "ln_conversion", "ln_sales", "ln_ad_spend", "ln_age", "hist_w", "hist_success"
  };
  static final String[] CPV_FEATURES = {"hist_cpv_w", "hist_cpv", "ln_visitors", "country_vec", "category_vec"};

  /** Output columns. */
  static final String RANGE_PRED = "range_ln_pred";
  public static final String BUDGET_LOW = "budget_low";
  public static final String BUDGET_HIGH = "budget_high";
  static final String CHANCE_RAW = "chance_raw";
  static final String CHANCE_PROB = "chance_probability";
  public static final String CPV_PRED = "cpv_ln_pred";

  private BudgetModels() {}

  /** The directory of one run date's models. */
  public static String dir(Warehouse w, LocalDate ds) {
    return w.root() + "/" + relativeDir(ds);
  }

  /** The models' directory relative to the warehouse root (what {@code model_metrics} records). */
  static String relativeDir(LocalDate ds) {
    return STAGING + "/" + MODEL + "/ds=" + ds;
  }

  static String version(LocalDate ds) {
    return MODEL + "-" + ds;
  }

  /**
   * Adds the model inputs to rows of {@value BudgetFeaturesJob#OUTPUT}; {@code ln_budget} comes
   * from column {@code budget}, so candidate budgets are scored by setting that column.
   */
  public static Dataset<Row> withInputs(Dataset<Row> f) {
    Column w = col("past_campaigns").divide(col("past_campaigns").plus(2));
    Column cpvW = when(col("past_cpv_ln_mean").isNotNull(), w).otherwise(0.0);
    // Per-day rates, so a window that holds fewer than 30 days (a young shop) reads the same.
    Column days = org.apache.spark.sql.functions.greatest(col("days_30d"), lit(1));
    return f
        .withColumn("ln_visitors", log1p(col("visitors_30d").divide(days)))
        .withColumn("ln_conversion", log(col("orders_30d").plus(1).divide(col("visitors_30d").plus(1))))
        .withColumn("ln_sales", log1p(col("sales_30d").divide(days)))
        // Money in log scale with a small offset: log1p would bend the scale of small spenders.
        .withColumn("ln_ad_spend", log(col("ad_spend_avg_30d").plus(0.1)))
        .withColumn("ln_age", log1p(col("shop_age_days")))
        .withColumn("hist_w", w)
        .withColumn("hist_budget", coalesce(col("past_budget_ln_mean"), lit(0.0)).multiply(w))
        .withColumn("hist_success", coalesce(col("past_success_rate"), lit(0.0)).multiply(w))
        .withColumn("hist_cpv_w", cpvW)
        .withColumn("hist_cpv", coalesce(col("past_cpv_ln_mean"), lit(0.0)).multiply(cpvW))
        .withColumn("country_s", coalesce(col("country"), lit("unknown")))
        .withColumn("category_s", coalesce(col("main_category"), lit("unknown")))
        .withColumn("ln_budget", log(col("budget")));
  }

  static Pipeline rangePipeline(int maxIter, double regParam) {
    return new Pipeline().setStages(new PipelineStage[] {
      new VectorAssembler().setInputCols(RANGE_FEATURES).setOutputCol("range_features"),
      new LinearRegression().setFeaturesCol("range_features").setLabelCol("ln_budget")
          .setPredictionCol(RANGE_PRED).setMaxIter(maxIter).setRegParam(regParam)
    });
  }

  /** Appends the residual-quantile band to a fitted range regression (no data is read). */
  static PipelineModel withBand(PipelineModel regression, double lowResidual, double highResidual, Dataset<Row> schemaOnly) {
    String sql = String.format(Locale.ROOT,
        "SELECT *, exp(%s + (%.17g)) AS %s, exp(%s + (%.17g)) AS %s FROM __THIS__",
        RANGE_PRED, lowResidual, BUDGET_LOW, RANGE_PRED, highResidual, BUDGET_HIGH);
    // A pipeline of transformers only: fit() just collects them.
    return new Pipeline().setStages(new PipelineStage[] {regression, new SQLTransformer().setStatement(sql)})
        .fit(schemaOnly.limit(0));
  }

  static Pipeline chancePipeline(int maxIter, double regParam) {
    return new Pipeline().setStages(new PipelineStage[] {
      new VectorAssembler().setInputCols(CHANCE_FEATURES).setOutputCol("chance_features"),
      new LogisticRegression().setFeaturesCol("chance_features").setLabelCol("sold")
          .setRawPredictionCol(CHANCE_RAW).setProbabilityCol(CHANCE_PROB)
          .setPredictionCol("chance_prediction").setMaxIter(maxIter).setRegParam(regParam)
    });
  }

  static Pipeline cpvPipeline(int maxIter, double regParam) {
    return new Pipeline().setStages(new PipelineStage[] {
      new StringIndexer().setInputCols(new String[] {"country_s", "category_s"})
          .setOutputCols(new String[] {"country_idx", "category_idx"}).setHandleInvalid("keep"),
      new OneHotEncoder().setInputCols(new String[] {"country_idx", "category_idx"})
          .setOutputCols(new String[] {"country_vec", "category_vec"}).setHandleInvalid("keep"),
      new VectorAssembler().setInputCols(CPV_FEATURES).setOutputCol("cpv_features"),
      new LinearRegression().setFeaturesCol("cpv_features").setLabelCol("ln_cpv")
          .setPredictionCol(CPV_PRED).setMaxIter(maxIter).setRegParam(regParam)
    });
  }

  /** The chance of sales (probability of class 1) of a transformed frame. */
  public static Column chance() {
    return org.apache.spark.ml.functions.vector_to_array(col(CHANCE_PROB), "float64").getItem(1);
  }

  static void save(PipelineModel m, String dir, String name) {
    try {
      m.write().overwrite().save(dir + "/" + name);
    } catch (java.io.IOException e) {
      throw new JobFailedException("Cannot save model " + name + " to " + dir + ": " + e.getMessage(), e);
    }
  }

  public static PipelineModel load(String dir, String name) {
    try {
      return PipelineModel.load(dir + "/" + name);
    } catch (RuntimeException e) {
      throw new JobFailedException("Cannot load model " + name + " from " + dir + ": " + e.getMessage(), e);
    }
  }
}

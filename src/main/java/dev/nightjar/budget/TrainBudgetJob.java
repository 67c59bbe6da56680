package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.typesafe.config.Config;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.tables.Deterministic;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jobs/run train-budget}: fits the range, chance and cost-per-visitor models (see {@link
 * BudgetModels}) on the campaign rows of {@value BudgetFeaturesJob#OUTPUT}, measures them on a
 * holdout of shops, saves them under {@code models_staging/budget/ds=DATE/} and appends the
 * metrics and the {@link BlessingGate} verdict to {@value ModelMetrics#TABLE}. Exits with {@link
 * ExitCodes#NOT_BLESSED} after writing everything when the model is not blessed.
 */
public final class TrainBudgetJob implements Job {
  private static final Logger LOG = LoggerFactory.getLogger(TrainBudgetJob.class);

  static final String HOLDOUT = "budget.train.holdout-share";
  static final String MAX_ITER = "budget.train.max-iter";
  static final String REG_PARAM = "budget.train.reg-param";
  static final String MIN_WINDOW_DAYS = "budget.train.min-window-days";
  static final String LOW_Q = "budget.range.low-quantile";
  static final String HIGH_Q = "budget.range.high-quantile";
  static final String MONITORING = "monitoring";

  record Options(double holdoutShare, int maxIter, double regParam, int minWindowDays, int outcomeDays,
      double lowQ, double highQ, BlessingGate gate) {
    static Options from(Config c) {
      double lo = Settings.doubleIn(c, LOW_Q, 0.001, 0.999);
      double hi = Settings.doubleIn(c, HIGH_Q, 0.001, 0.999);
      if (hi <= lo) {
        throw Settings.bad(HIGH_Q, hi, "a number above " + LOW_Q + " = " + lo);
      }
      return new Options(
          Settings.doubleIn(c, HOLDOUT, 0.01, 0.9),
          Settings.intIn(c, MAX_ITER, 1, 10_000),
          Settings.doubleIn(c, REG_PARAM, 0.0, 1e6),
          Settings.intIn(c, MIN_WINDOW_DAYS, 0, AsOfFeatures.WINDOW_DAYS),
          Settings.intIn(c, BudgetFeaturesJob.OUTCOME_DAYS, 1, 3660),
          lo, hi,
          BlessingGate.fromConfig(c, MONITORING));
    }
  }

  @Override
  public String name() {
    return "train-budget";
  }

  @Override
  public String description() {
    return "train the budget range, chance-of-sales and cost-per-visitor models; gate them (exit 3 if not blessed)";
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  /** A deterministic holdout of whole shops, so one shop's campaigns never sit on both sides. */
  static Column holdout(double share) {
    return org.apache.spark.sql.functions.pmod(org.apache.spark.sql.functions.xxhash64(col("shop_id")), lit(10_000))
        .lt(lit(Math.round(share * 10_000)));
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    LocalDate ds = context.runDate();
    context.stage("read " + BudgetFeaturesJob.OUTPUT);
    if (!w.exists(BudgetFeaturesJob.OUTPUT)) {
      throw new JobFailedException("Table " + BudgetFeaturesJob.OUTPUT + " does not exist in warehouse "
          + w.root() + ": run budget-features for " + ds + " first");
    }
    Dataset<Row> rows = BudgetModels.withInputs(
            w.read(BudgetFeaturesJob.OUTPUT, ds).where(col("point").equalTo(AsOfFeatures.POINT_CAMPAIGN)))
        .withColumn("sold", when(col("sales_generated").gt(0), 1.0).otherwise(0.0))
        .withColumn("ln_cpv", when(col("visitors_acquired").gt(0).and(col("spend").gt(0)),
            log(col("spend").divide(col("visitors_acquired")))))
        .withColumn("is_holdout", holdout(o.holdoutShare()))
        // A campaign whose window holds few daily rows says little about the shop's state, and
        // one created in the last outcome-days is still running: its outcome is not final.
        .where(col("budget").gt(0).and(col("days_30d").geq(o.minWindowDays()))
            .and(col("as_of").leq(lit(ds.minusDays(o.outcomeDays()).toString()).cast("date"))));
    // One partition in an order fixed by the rows: the fits below then give the same bits
    // whatever files budget_features is in (a resume or a compaction rewrites them).
    Dataset<Row> examples = Deterministic.canonical(rows, "campaign_id", "shop_id", "as_of")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      context.stage("count training examples");
      Row n = examples.agg(count(lit(1)), sum(when(col("is_holdout"), 1).otherwise(0))).first();
      long total = n.getLong(0);
      long held = n.isNullAt(1) ? 0 : n.getLong(1);
      if (total - held < 2 || held < 1) {
        throw new JobFailedException("train-budget: " + total + " campaign rows in " + BudgetFeaturesJob.OUTPUT
            + " for ds=" + ds + " (" + held + " held out): expected at least 2 for training and 1 for the"
            + " holdout; run budget-features for " + ds + " on inputs with campaigns");
      }
      Dataset<Row> train = examples.where(org.apache.spark.sql.functions.not(col("is_holdout")));
      Dataset<Row> test = examples.where(col("is_holdout"));
      Map<String, Double> gated = new LinkedHashMap<>();
      Map<String, Double> info = new LinkedHashMap<>();
      info.put("train_rows", (double) (total - held));
      info.put("holdout_rows", (double) held);

      context.stage("fit budget range regression");
      PipelineModel reg = BudgetModels.rangePipeline(o.maxIter(), o.regParam()).fit(train);
      double[] q = reg.transform(train)
          .withColumn("resid", col("ln_budget").minus(col(BudgetModels.RANGE_PRED)))
          .stat().approxQuantile("resid", new double[] {o.lowQ(), o.highQ()}, 1e-4);
      PipelineModel range = BudgetModels.withBand(reg, q[0], q[1], train);
      context.stage("measure budget range on the holdout");
      double[] rm = HoldoutMetrics.means(range.transform(test),
          when(col("budget").between(col(BudgetModels.BUDGET_LOW), col(BudgetModels.BUDGET_HIGH)), 1.0).otherwise(0.0),
          pow(col("ln_budget").minus(col(BudgetModels.RANGE_PRED)), 2));
      double coverage = rm[0];
      gated.put("range_coverage", coverage);
      gated.put("range_coverage_error", Math.abs(coverage - (o.highQ() - o.lowQ())));
      gated.put("range_rmse_log", Math.sqrt(rm[1]));
      info.put("range_low_residual", q[0]);
      info.put("range_high_residual", q[1]);

      List<Row> calibration;
      context.stage("fit chance-of-sales classifier");
      PipelineModel chance = BudgetModels.chancePipeline(o.maxIter(), o.regParam()).fit(train);
      context.stage("measure chance-of-sales classifier on the holdout");
      Dataset<Row> scored = chance.transform(test).withColumn("p", BudgetModels.chance())
          .select(col("sold"), col("p"), col(BudgetModels.CHANCE_RAW)).persist(StorageLevel.MEMORY_AND_DISK());
      try {
        Column margin = org.apache.spark.ml.functions.vector_to_array(col(BudgetModels.CHANCE_RAW), "float64").getItem(1);
        gated.put("auc", HoldoutMetrics.auc(scored, col("sold"), margin));
        Column p = least(greatest(col("p"), lit(1e-15)), lit(1 - 1e-15));
        double[] lm = HoldoutMetrics.means(scored,
            col("sold").multiply(log(p)).plus(lit(1.0).minus(col("sold")).multiply(log(lit(1.0).minus(p)))).multiply(-1),
            col("sold"), col("p"));
        gated.put("log_loss", lm[0]);
        calibration = HoldoutMetrics.calibrationBins(scored);
        gated.put("calibration_error", HoldoutMetrics.calibrationError(calibration));
        info.put("holdout_sold_rate", lm[1]);
        info.put("holdout_mean_chance", lm[2]);
      } finally {
        scored.unpersist();
      }

      context.stage("fit cost-per-visitor regression");
      Dataset<Row> cpvTrain = train.where(col("ln_cpv").isNotNull());
      Dataset<Row> cpvTest = test.where(col("ln_cpv").isNotNull());
      PipelineModel cpv = BudgetModels.cpvPipeline(o.maxIter(), o.regParam()).fit(cpvTrain);
      context.stage("measure cost-per-visitor regression on the holdout");
      double[] cm = HoldoutMetrics.means(cpv.transform(cpvTest), pow(col("ln_cpv").minus(col(BudgetModels.CPV_PRED)), 2));
      gated.put("cpv_rmse_log", Math.sqrt(cm[0]));

      context.stage("judge against thresholds and the last runs");
      List<Map<String, Double>> past = ModelMetrics.history(w, BudgetModels.MODEL, ds, o.gate().history());
      BlessingGate.Verdict verdict = o.gate().judge(gated, past);
      if (verdict.blessed()) {
        LOG.info("Model {} ds={} is blessed: {}", BudgetModels.MODEL, ds, verdict.reasons());
      } else {
        LOG.warn("Model {} ds={} is NOT blessed: {}", BudgetModels.MODEL, ds, verdict.reasons());
      }

      context.stage("save models");
      // The three models are written aside and renamed into place together: a run killed while
      // saving leaves no half-written model directory.
      String dir = BudgetModels.dir(w, ds);
      String tmp = Warehouse.tmpBeside(dir);
      BudgetModels.save(range, tmp, BudgetModels.RANGE);
      BudgetModels.save(chance, tmp, BudgetModels.CHANCE);
      BudgetModels.save(cpv, tmp, BudgetModels.CPV);
      try {
        w.moveIntoPlace(tmp, dir);
      } catch (java.io.IOException e) {
        throw new JobFailedException("Cannot save the budget models to " + dir + ": " + e.getMessage(), e);
      }
      context.stage("write " + ModelMetrics.TABLE);
      long written = ModelMetrics.write(w, BudgetModels.MODEL, ds, gated, info, verdict,
          BudgetModels.version(ds), BudgetModels.relativeDir(ds));

      long bins = ModelMetrics.writeCalibration(w, BudgetModels.MODEL, ds, calibration);

      JobResult.Builder result = JobResult.builder(name()).rows(ModelMetrics.TABLE, written)
          .rows(ModelMetrics.CALIBRATION_TABLE, bins);
      gated.forEach((k, v) -> result.metric(k, round(v)));
      result.metric("blessed", verdict.blessed());
      result.metric("model_version", BudgetModels.version(ds));
      if (!verdict.blessed()) {
        result.metric("not_blessed", "\"" + String.join("; ", verdict.reasons()) + "\"");
        result.exitCode(ExitCodes.NOT_BLESSED);
      }
      return result.build();
    } finally {
      examples.unpersist();
    }
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }
}

package dev.nightjar.budget;

import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.exp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF5;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code jobs/run recommend-budget}: for every active shop of {@value BudgetFeaturesJob#OUTPUT}
 * (as of the run date), a budget range, a recommended budget and its chance of sales into table
 * {@value #OUTPUT}, with the latest blessed budget model at or before the run date.
 *
 * <ul>
 *   <li>Range: the range model's band for a shop with campaign history ({@code basis = model});
 *       {@code budget.cold-start.*} for a shop without ({@code basis = default}).
 *   <li>Objective {@code lookalike} when the shop's past-30-day visitors are below {@code
 *       budget.lookalike.min-audience}: the budget buying the missing visitors at its predicted
 *       cost per visitor, capped by the top of its range. Otherwise {@code sales}: {@link
 *       BudgetRule#choose} over {@code budget.grid-points} budgets spread across the range.
 * </ul>
 */
public final class RecommendBudgetJob implements Job {
  public static final String OUTPUT = "budget_recommendations";
  public static final String SALES = "sales";
  public static final String LOOKALIKE = "lookalike";
  public static final String BASIS_MODEL = "model";
  public static final String BASIS_DEFAULT = "default";

  static final String MIN_CHANCE = "budget.min-chance";
  static final String GRID_POINTS = "budget.grid-points";
  static final String MIN_AUDIENCE = "budget.lookalike.min-audience";
  static final String DEFAULT_LOW = "budget.cold-start.budget-low";
  static final String DEFAULT_HIGH = "budget.cold-start.budget-high";

  /** The recommendation settings; {@code serving.BudgetRecommender} reads the same ones. */
  public record Options(double minChance, int gridPoints, double minAudience, double defaultLow, double defaultHigh)
      implements java.io.Serializable {
    public static Options from(Config c) {
      double low = Settings.doubleIn(c, DEFAULT_LOW, 0.01, 1e12);
      double high = Settings.doubleIn(c, DEFAULT_HIGH, 0.01, 1e12);
      if (high < low) {
        throw Settings.bad(DEFAULT_HIGH, high, "a number at least " + DEFAULT_LOW + " = " + low);
      }
      return new Options(
          Settings.doubleIn(c, MIN_CHANCE, 0.0, 1.0),
          Settings.intIn(c, GRID_POINTS, 2, 1000),
          Settings.doubleIn(c, MIN_AUDIENCE, 0, 1e12),
          low, high);
    }
  }

  @Override
  public String name() {
    return "recommend-budget";
  }

  @Override
  public String description() {
    return "recommend a budget range and budget per active shop into table " + OUTPUT;
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  /** Registers the rule's UDFs (idempotent): the plan and the choice, shared with serving. */
  static void registerUdfs(SparkSession spark, Options o) {
    spark.udf().register("budget_plan", (UDF5<Double, Double, Double, Double, Double, Row>)
        (pastCampaigns, low, high, visitors, cpv) -> BudgetPlan.of(o, pastCampaigns, low, high, visitors, cpv).toRow(),
        BudgetPlan.TYPE);
    spark.udf().register("budget_choose", (UDF2<scala.collection.Seq<Double>, scala.collection.Seq<Double>, Integer>)
        (budgets, chances) -> BudgetRule.choose(toArray(budgets), toArray(chances), o.minChance()), DataTypes.IntegerType);
  }

  private static double[] toArray(scala.collection.Seq<Double> s) {
    double[] a = new double[s.size()];
    for (int i = 0; i < a.length; i++) {
      Double v = s.apply(i);
      a[i] = v == null ? Double.NaN : v;
    }
    return a;
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    LocalDate ds = context.runDate();
    context.stage("find the latest blessed budget model");
    Row model = ModelMetrics.latestBlessed(w, BudgetModels.MODEL, ds).orElseThrow(() -> new JobFailedException(
        "No blessed " + BudgetModels.MODEL + " model at or before " + ds + " in table " + ModelMetrics.TABLE
            + " of warehouse " + w.root() + ": run train-budget (exit status 3 means it trained a model"
            + " that was not blessed; see the reasons in " + ModelMetrics.TABLE + ")"));
    String version = model.getString(1);
    String dir = w.root() + "/" + model.getString(2);
    PipelineModel range = BudgetModels.load(dir, BudgetModels.RANGE);
    PipelineModel chance = BudgetModels.load(dir, BudgetModels.CHANCE);
    PipelineModel cpv = BudgetModels.load(dir, BudgetModels.CPV);
    if (!w.exists(BudgetFeaturesJob.OUTPUT)) {
      throw new JobFailedException("Table " + BudgetFeaturesJob.OUTPUT + " does not exist in warehouse "
          + w.root() + ": run budget-features for " + ds + " first");
    }
    registerUdfs(w.spark(), o);

    context.stage("recommend budgets and write " + OUTPUT);
    Dataset<Row> shops = BudgetModels.withInputs(
        w.read(BudgetFeaturesJob.OUTPUT, ds).where(col("point").equalTo(AsOfFeatures.POINT_CURRENT))
            .drop("budget").withColumn("budget", lit(1.0)));
    Dataset<Row> ranged = cpv.transform(range.transform(shops));
    // Range, objective, basis and candidates: BudgetPlan, as the serving endpoint computes them.
    Column plan = call_udf("budget_plan", col("past_campaigns").cast("double"), col(BudgetModels.BUDGET_LOW),
        col(BudgetModels.BUDGET_HIGH), col("visitors_30d").cast("double"), exp(col(BudgetModels.CPV_PRED)));
    Dataset<Row> base = ranged.select(
        col("shop_id"), plan.as("plan"),
        // The state the chance model needs, without the budget it will be given.
        col("ln_visitors"), col("ln_conversion"), col("ln_sales"), col("ln_ad_spend"), col("ln_age"),
        col("hist_w"), col("hist_success"))
        .select(col("shop_id"), col("plan.objective").as("objective"), col("plan.budget_low").as("budget_low"),
            col("plan.budget_high").as("budget_high"), col("plan.basis").as("basis"), col("plan.candidates").as("candidates"),
            col("ln_visitors"), col("ln_conversion"), col("ln_sales"), col("ln_ad_spend"), col("ln_age"),
            col("hist_w"), col("hist_success"));
    Dataset<Row> exploded = base.select(col("*"), posexplode(col("candidates")).as(new String[] {"k", "budget"}))
        .drop("candidates")
        .withColumn("ln_budget", org.apache.spark.sql.functions.log(org.apache.spark.sql.functions.greatest(col("budget"), lit(0.01))));
    Dataset<Row> scored = chance.transform(exploded).withColumn("p", BudgetModels.chance());
    Dataset<Row> grouped = scored
        .groupBy("shop_id", "objective", "budget_low", "budget_high", "basis")
        .agg(sort_array(collect_list(struct(col("k"), col("budget"), col("p")))).as("c"));
    Column pick = call_udf("budget_choose", col("c.budget"), col("c.p")).plus(1);
    Dataset<Row> out = grouped
        .withColumn("chosen", element_at(col("c"), pick))
        .select(
            col("shop_id"), col("objective"), col("budget_low"), col("budget_high"),
            col("chosen.budget").as("recommended_budget"),
            round(col("chosen.p"), 4).as("chance_of_sales"),
            col("basis"), lit(version).as("model_version"));
    long written = w.replacePartition(OUTPUT, out, ds);
    context.stage("summarize " + OUTPUT);
    List<Row> perKind = w.read(OUTPUT, ds).groupBy("objective", "basis").count()
        .orderBy("objective", "basis").collectAsList();
    JobResult.Builder result = JobResult.builder(name()).rows(OUTPUT, written).metric("model_version", version);
    for (Row r : perKind) {
      result.metric(r.getString(0) + "." + r.getString(1), r.getLong(2));
    }
    return result.build();
  }
}

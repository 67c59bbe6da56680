package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.sample.GenerateSampleJob;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** train-budget and recommend-budget on a small generated world (1,000 shops, 45 days). */
class TrainRecommendBudgetTest {
  static final LocalDate DS = LocalDate.of(2026, 6, 30);
  private static final SparkSession SPARK = SharedSpark.get();
  @TempDir static Path shared;
  private static Dataset<Row> features;

  /** Loose enough for 1,000 shops, so only what a test changes can block the blessing. */
  static Map<String, String> sets(String... more) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("monitoring.thresholds.calibration-error-max", "0.2");
    m.put("monitoring.thresholds.range-coverage-error-max", "0.2");
    m.put("monitoring.thresholds.log-loss-max", "0.69");
    m.put("monitoring.thresholds.cpv-rmse-log-max", "1.0");
    for (int i = 0; i < more.length; i += 2) {
      m.put(more[i], more[i + 1]);
    }
    return m;
  }

  @BeforeAll
  static void generate() {
    Path wh = shared.resolve("wh");
    JobResult g = Jobs.runApi(new GenerateSampleJob(), wh, DS, Map.of("sample.products", "20",
        "sample.budget.shops", "1000", "sample.budget.days", "45"), Map.of());
    assertTrue(g.rowsWritten().get("campaigns") > 3000, g.toString());
    JobResult f = Jobs.runApi(new BudgetFeaturesJob(), wh, DS, Map.of(), Map.of());
    // The generator's few bad rows are quarantined, well under the limit.
    assertTrue(f.rowsWritten().get("quarantine") > 0, f.toString());
    features = new Warehouse(SPARK, wh.toString()).read(BudgetFeaturesJob.OUTPUT, DS).drop("ds").cache();
  }

  /** A fresh warehouse holding the generated features under each of {@code dates}. */
  static Warehouse warehouse(Path dir, LocalDate... dates) {
    Warehouse w = new Warehouse(SPARK, dir.resolve("wh").toString());
    for (LocalDate d : dates) {
      w.replacePartition(BudgetFeaturesJob.OUTPUT, features, d);
    }
    return w;
  }

  static Path path(Warehouse w) {
    return Path.of(w.root());
  }

  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void firstRunIsBlessedOnThresholdsAloneAndRecommends(String entry, @TempDir Path dir) {
    Warehouse w = warehouse(dir, DS);
    if (entry.equals("api")) {
      JobResult t = Jobs.runApi(new TrainBudgetJob(), path(w), DS, sets(), Map.of());
      assertEquals(ExitCodes.OK, t.exitCode(), t.toString());
      assertEquals(true, t.metrics().get("blessed"));
      assertTrue((Double) t.metrics().get("auc") > 0.7, t.toString());
      JobResult r = Jobs.runApi(new RecommendBudgetJob(), path(w), DS, Map.of(), Map.of());
      assertEquals(features.where("point = 'current'").count(), r.rowsWritten().get(RecommendBudgetJob.OUTPUT));
    } else {
      List<String> args = new java.util.ArrayList<>(List.of("train-budget", "--warehouse", w.root(), "--date", DS.toString()));
      sets().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
      Jobs.Outcome t = Jobs.main(args.toArray(new String[0]));
      assertEquals(0, t.status(), t.err());
      assertTrue(t.out().contains("rows.model_metrics=") && t.out().contains("blessed=true"), t.out());
      Jobs.Outcome r = Jobs.main("recommend-budget", "--warehouse", w.root(), "--date", DS.toString());
      assertEquals(0, r.status(), r.err());
      assertTrue(r.out().contains("rows.budget_recommendations=") && r.out().contains("model_version=budget-" + DS), r.out());
    }
    List<Row> metrics = ModelMetrics.read(w, "budget", DS).collectAsList();
    assertTrue(metrics.stream().allMatch(m -> m.<Boolean>getAs("blessed")));
    assertEquals(List.of("all 5 thresholds hold; no z-scores: 0 past runs, thresholds only"),
        metrics.get(0).getList(metrics.get(0).fieldIndex("reasons")));
    assertEquals(List.of("auc", "calibration_error", "cpv_rmse_log", "holdout_mean_chance", "holdout_rows",
            "holdout_sold_rate", "log_loss", "range_coverage", "range_coverage_error", "range_high_residual",
            "range_low_residual", "range_rmse_log", "train_rows"),
        metrics.stream().map(m -> m.<String>getAs("metric")).sorted().toList());

    Map<String, Row> recs = w.read(RecommendBudgetJob.OUTPUT, DS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("shop_id"), r -> r));
    Map<String, Row> now = features.where("point = 'current'").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("shop_id"), r -> r));
    assertEquals(now.keySet(), recs.keySet());
    // Cost per visitor as the saved model predicts it, to check the lookalike arithmetic.
    Map<String, Double> cpv = new HashMap<>();
    BudgetModels.load(BudgetModels.dir(w, DS), BudgetModels.CPV)
        .transform(BudgetModels.withInputs(features.where("point = 'current'")))
        .select("shop_id", BudgetModels.CPV_PRED).collectAsList()
        .forEach(r -> cpv.put(r.getString(0), Math.exp(r.getDouble(1))));
    int cold = 0;
    int lookalike = 0;
    for (Row r : recs.values()) {
      Row f = now.get(r.<String>getAs("shop_id"));
      double low = r.getAs("budget_low");
      double high = r.getAs("budget_high");
      double rec = r.getAs("recommended_budget");
      double chance = r.getAs("chance_of_sales");
      assertEquals("budget-" + DS, r.getAs("model_version"));
      assertTrue(chance > 0 && chance < 1, r.toString());
      if (f.<Long>getAs("past_campaigns") == 0) {
        cold++;
        assertEquals("default", r.getAs("basis"), r.toString());
        assertEquals(10.0, low);
        assertEquals(50.0, high);
      } else {
        assertEquals("model", r.getAs("basis"), r.toString());
        assertTrue(low > 0 && low < high, r.toString());
      }
      double visitors = f.getAs("visitors_30d");
      if (visitors < 1000) {
        lookalike++;
        assertEquals("lookalike", r.getAs("objective"), r.toString());
        double expected = Math.round(Math.min((1000 - visitors) * cpv.get(r.<String>getAs("shop_id")), high) * 100) / 100.0;
        assertEquals(expected, rec, 1e-9, r.toString());
      } else {
        assertEquals("sales", r.getAs("objective"), r.toString());
        assertTrue(rec >= low - 0.01 && rec <= high + 0.01, r.toString());
      }
    }
    assertTrue(cold > 10 && lookalike > 50, "cold=" + cold + " lookalike=" + lookalike);
  }

  @Test
  void zScoreGateBlocksACollapsedAucAndRecommendationsKeepTheLastBlessedModel(@TempDir Path dir) {
    LocalDate d1 = DS.minusDays(3);
    LocalDate d2 = DS.minusDays(2);
    LocalDate d3 = DS.minusDays(1);
    Warehouse w = warehouse(dir, d1, d2, d3);
    // Only the range threshold is set, so only the z-scores can block the AUC.
    Map<String, String> sets = sets("monitoring.thresholds.auc-min", "null",
        "monitoring.thresholds.log-loss-max", "null", "monitoring.thresholds.calibration-error-max", "null",
        "monitoring.thresholds.cpv-rmse-log-max", "null",
        // Each date trains on slightly different campaigns (those whose outcome is known by then).
        "monitoring.min-stddev", "0.05");
    for (LocalDate d : List.of(d1, d2, d3)) {
      assertEquals(ExitCodes.OK, Jobs.runApi(new TrainBudgetJob(), path(w), d, sets, Map.of()).exitCode());
    }
    Row third = ModelMetrics.read(w, "budget", d3).first();
    assertEquals(List.of("all 1 thresholds hold; no |z| > 3.000 among 7 metrics against the last 2 runs"),
        third.getList(third.fieldIndex("reasons")));
    // Rerunning a date replaces its rows.
    long rows = w.read(ModelMetrics.TABLE).count();
    Jobs.runApi(new TrainBudgetJob(), path(w), d3, sets, Map.of());
    assertEquals(rows, w.read(ModelMetrics.TABLE).count());

    // Outcomes unrelated to budget and state: the AUC collapses to about 0.5.
    w.replacePartition(BudgetFeaturesJob.OUTPUT, features.withColumn("sales_generated",
        when(org.apache.spark.sql.functions.xxhash64(col("campaign_id")).mod(2).equalTo(0), lit(10.0))
            .otherwise(lit(0.0))), DS);
    JobResult t = Jobs.runApi(new TrainBudgetJob(), path(w), DS, sets, Map.of());
    assertEquals(ExitCodes.NOT_BLESSED, t.exitCode(), t.toString());
    assertTrue((Double) t.metrics().get("auc") < 0.6, t.toString());
    Row m = ModelMetrics.read(w, "budget", DS).where("metric = 'auc'").first();
    assertFalse(m.<Boolean>getAs("blessed"));
    List<String> reasons = m.getList(m.fieldIndex("reasons"));
    assertTrue(reasons.stream().anyMatch(r -> r.startsWith("auc = ") && r.contains("is an outlier: z = -")
        && r.contains("against the last 3 runs")), reasons.toString());
    // The models were still saved, for inspection.
    assertTrue(new java.io.File(BudgetModels.dir(w, DS) + "/chance").isDirectory());

    JobResult r = Jobs.runApi(new RecommendBudgetJob(), path(w), DS, Map.of(), Map.of());
    assertEquals("budget-" + d3, r.metrics().get("model_version"));
  }

  @Test
  void noThresholdConfiguredRefusesToBless(@TempDir Path dir) {
    Warehouse w = warehouse(dir, DS);
    Jobs.Outcome o = Jobs.main("train-budget", "--warehouse", w.root(), "--date", DS.toString(),
        "--set", "monitoring.thresholds.auc-min=null", "--set", "monitoring.thresholds.log-loss-max=null",
        "--set", "monitoring.thresholds.calibration-error-max=null",
        "--set", "monitoring.thresholds.range-coverage-error-max=null",
        "--set", "monitoring.thresholds.cpv-rmse-log-max=null");
    assertEquals(ExitCodes.NOT_BLESSED, o.status(), o.err());
    assertTrue(o.out().contains(" blessed=false ") && o.out().contains(" not_blessed=\"no threshold configured\""), o.out());
    Row m = ModelMetrics.read(w, "budget", DS).first();
    assertEquals(List.of(BlessingGate.NO_THRESHOLD), m.getList(m.fieldIndex("reasons")));
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new RecommendBudgetJob(), path(w), DS, Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("No blessed budget model at or before " + DS + " in table model_metrics"),
        e.getMessage());
  }

  @Test
  void trainingWithoutFeaturesSaysWhatToRun(@TempDir Path dir) {
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new TrainBudgetJob(), dir.resolve("wh"), DS, Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("Table budget_features does not exist in warehouse "), e.getMessage());
    assertTrue(e.getMessage().endsWith(": run budget-features for " + DS + " first"), e.getMessage());
  }
}

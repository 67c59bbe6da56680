package dev.nightjar.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.OneHotEncoderModel;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-set budget models: the SavedModel against the formulas and against Spark's transform. */
class BudgetSavedModelTest {
  static PipelineModel range() {
    VectorAssembler a = new VectorAssembler().setInputCols(new String[] {"ln_visitors", "hist_budget"})
        .setOutputCol("range_features");
    LinearRegressionModel lr = new LinearRegressionModel("lr", Vectors.dense(0.5, 1.0), 2.0);
    lr.setFeaturesCol("range_features").setPredictionCol("range_ln_pred");
    // The statement BudgetModels.withBand writes.
    SQLTransformer band = new SQLTransformer().setStatement(String.format(Locale.ROOT,
        "SELECT *, exp(range_ln_pred + (%.17g)) AS budget_low, exp(range_ln_pred + (%.17g)) AS budget_high FROM __THIS__",
        -0.5, 0.25));
    return new PipelineModel("range", new Transformer[] {new PipelineModel("reg", new Transformer[] {a, lr}), band});
  }

  static PipelineModel chance() {
    VectorAssembler a = new VectorAssembler().setInputCols(new String[] {"ln_budget", "hist_success", "ln_conversion"})
        .setOutputCol("chance_features");
    LogisticRegressionModel m = new LogisticRegressionModel("log", Vectors.dense(1.0, -2.0, 0.5), -3.0);
    m.setFeaturesCol("chance_features").setProbabilityCol("chance_probability").setRawPredictionCol("chance_raw")
        .setPredictionCol("chance_prediction");
    return new PipelineModel("chance", new Transformer[] {a, m});
  }

  static PipelineModel cpv() {
    StringIndexerModel si = new StringIndexerModel("si", new String[][] {{"US", "DE"}, {"Toys"}});
    si.setInputCols(new String[] {"country_s", "category_s"}).setOutputCols(new String[] {"country_idx", "category_idx"})
        .setHandleInvalid("keep");
    OneHotEncoderModel oh = new OneHotEncoderModel("oh", new int[] {3, 2}); // labels + the unseen bucket, as StringIndexer (keep) declares
    oh.setInputCols(new String[] {"country_idx", "category_idx"}).setOutputCols(new String[] {"country_vec", "category_vec"})
        .setHandleInvalid("keep").setDropLast(true);
    VectorAssembler a = new VectorAssembler()
        .setInputCols(new String[] {"hist_cpv_w", "hist_cpv", "country_vec", "category_vec"}).setOutputCol("cpv_features");
    LinearRegressionModel lr = new LinearRegressionModel("cpvlr", Vectors.dense(1.0, 0.5, 0.1, 0.2, 0.05, 0.3, -0.1), 0.0);
    lr.setFeaturesCol("cpv_features").setPredictionCol("cpv_ln_pred");
    return new PipelineModel("cpv", new Transformer[] {si, oh, a, lr});
  }

  private static Map<String, Object> row(double days, double visitors, double orders, double sales, double ad, double age,
      double past, Double budgetMean, Double success, Double cpvMean, String country, String category, double budget) {
    Map<String, Object> m = new HashMap<>();
    m.put("days_30d", (long) days);
    m.put("visitors_30d", visitors);
    m.put("orders_30d", orders);
    m.put("sales_30d", sales);
    m.put("ad_spend_avg_30d", ad);
    m.put("shop_age_days", (int) age);
    m.put("past_campaigns", (long) past);
    m.put("past_budget_ln_mean", budgetMean);
    m.put("past_success_rate", success);
    m.put("past_cpv_ln_mean", cpvMean);
    m.put("country", country);
    m.put("main_category", category);
    m.put("budget", budget);
    return m;
  }

  private static final List<Map<String, Object>> ROWS = List.of(
      row(10, 100, 4, 250, 3.5, 400, 2, 3.0, 0.5, -1.0, "US", "Toys", 20),
      // No history (nulls), an unknown country (null) and category: the unseen buckets.
      row(0, 0, 0, 0, 0, 0, 0, null, null, null, null, "Garden", 0.0),
      row(30, 9000, 90, 12345.67, 41.25, 1200, 7, 4.5, 0.25, -2.5, "DE", "", 123.45));

  private static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  @Test
  void handSetModelsGiveTheFormulasAndWhatSparkGives(@TempDir Path dir) throws Exception {
    BudgetSavedModel.export(range(), chance(), cpv(), dir);
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));
    List<BudgetScorer.Prediction> p;
    try (BudgetScorer s = BudgetScorer.load(dir)) {
      p = s.predict(ROWS);
      double[] c = s.chances(ROWS.get(0), new double[] {20, 40});
      assertEquals(p.get(0).chanceOfSales(), c[0], 1e-7);
      assertEquals(sigmoid(Math.log(40) - 2 * 0.25 + 0.5 * Math.log(5.0 / 101) - 3), c[1], 1e-6);
      Map<String, Object> noVisitors = new HashMap<>(ROWS.get(0));
      noVisitors.remove("visitors_30d");
      var e = assertThrows(IllegalArgumentException.class, () -> s.predict(List.of(noVisitors)));
      assertTrue(e.getMessage().startsWith("Expected a number in column visitors_30d of the budget features row, found no such column"),
          e.getMessage());
    }
    // Row 0 by hand: ln_visitors = log1p(10), w = 2/4, hist_budget = 1.5, hist_success = 0.25.
    double pred0 = 0.5 * Math.log1p(10) + 1.5 + 2.0;
    assertEquals(Math.exp(pred0 - 0.5), p.get(0).rangeLow(), 1e-5 * Math.exp(pred0));
    assertEquals(Math.exp(pred0 + 0.25), p.get(0).rangeHigh(), 1e-5 * Math.exp(pred0));
    assertEquals(sigmoid(Math.log(20) - 2 * 0.25 + 0.5 * Math.log(5.0 / 101) - 3), p.get(0).chanceOfSales(), 1e-6);
    // cpv: hist_cpv_w 0.5 and hist_cpv -1 * 0.5 (coefficients 1 and 0.5), US and Toys one-hot (0.1, 0.3).
    assertEquals(Math.exp(0.5 * 1.0 + (-0.5) * 0.5 + 0.1 + 0.3), p.get(0).costPerVisitor(), 1e-6);
    // Row 1: every history term is 0, days floored at 1, the budget at 0.01, the unseen buckets.
    assertEquals(Math.exp(2.0 - 0.5), p.get(1).rangeLow(), 1e-5);
    assertEquals(sigmoid(Math.log(0.01) - 3), p.get(1).chanceOfSales(), 1e-7);
    assertEquals(Math.exp(0.05 - 0.1), p.get(1).costPerVisitor(), 1e-6);
    // Row 2: DE, and "" is null, i.e. "unknown": the unseen category bucket.
    assertEquals(Math.exp(7.0 / 9 * 1.0 + (-2.5 * 7 / 9) * 0.5 + 0.2 - 0.1), p.get(2).costPerVisitor(), 1e-5);

    // Spark's own transform of the same models on the same rows (budgets above 0.01).
    StructType schema = new StructType()
        .add("days_30d", DataTypes.LongType).add("visitors_30d", DataTypes.DoubleType)
        .add("orders_30d", DataTypes.DoubleType).add("sales_30d", DataTypes.DoubleType)
        .add("ad_spend_avg_30d", DataTypes.DoubleType).add("shop_age_days", DataTypes.IntegerType)
        .add("past_campaigns", DataTypes.LongType).add("past_budget_ln_mean", DataTypes.DoubleType)
        .add("past_success_rate", DataTypes.DoubleType).add("past_cpv_ln_mean", DataTypes.DoubleType)
        .add("country", DataTypes.StringType).add("main_category", DataTypes.StringType)
        .add("budget", DataTypes.DoubleType);
    List<Row> rows = new ArrayList<>();
    for (int i : new int[] {0, 2}) {
      Map<String, Object> m = ROWS.get(i);
      rows.add(RowFactory.create(java.util.Arrays.stream(schema.fieldNames())
          .map(f -> f.equals("main_category") && "".equals(m.get(f)) ? null : m.get(f)).toArray()));
    }
    List<Row> spark = cpv().transform(chance().transform(range().transform(
            BudgetModels.withInputs(SharedSpark.get().createDataFrame(rows, schema)))))
        .select(org.apache.spark.sql.functions.col(BudgetModels.BUDGET_LOW),
            org.apache.spark.sql.functions.col(BudgetModels.BUDGET_HIGH), BudgetModels.chance(),
            org.apache.spark.sql.functions.col(BudgetModels.CPV_PRED))
        .collectAsList();
    for (int k = 0; k < 2; k++) {
      BudgetScorer.Prediction want = p.get(k == 0 ? 0 : 2);
      Row r = spark.get(k);
      assertEquals(r.getDouble(0), want.rangeLow(), 1e-5 * r.getDouble(0));
      assertEquals(r.getDouble(1), want.rangeHigh(), 1e-5 * r.getDouble(1));
      assertEquals(r.getDouble(2), want.chanceOfSales(), 1e-6);
      assertEquals(Math.exp(r.getDouble(3)), want.costPerVisitor(), 1e-5 * Math.exp(r.getDouble(3)));
    }
  }

  @Test
  void refusesWhatItCannotExport(@TempDir Path dir) throws Exception {
    VectorAssembler a = new VectorAssembler().setInputCols(new String[] {"ln_budget", "no_such_feature"})
        .setOutputCol("chance_features");
    LogisticRegressionModel m = new LogisticRegressionModel("log", Vectors.dense(1.0, 1.0), 0.0);
    m.setFeaturesCol("chance_features").setProbabilityCol("chance_probability");
    var e = assertThrows(IllegalArgumentException.class, () ->
        BudgetSavedModel.export(range(), new PipelineModel("c", new Transformer[] {a, m}), cpv(), dir.resolve("a")));
    assertTrue(e.getMessage().startsWith("The budget model reads column no_such_feature, which the SavedModel export cannot compute"),
        e.getMessage());
    BudgetSavedModel.export(range(), chance(), cpv(), dir.resolve("b"));
    var again = assertThrows(java.io.IOException.class,
        () -> BudgetSavedModel.export(range(), chance(), cpv(), dir.resolve("b")));
    assertTrue(again.getMessage().startsWith("Expected no SavedModel in "), again.getMessage());
  }
}

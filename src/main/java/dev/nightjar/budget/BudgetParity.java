package dev.nightjar.budget;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import com.typesafe.config.Config;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.model.ParityCheck;
import dev.nightjar.model.ParityTally;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The budget SavedModel through tensorflow-java ({@link BudgetScorer}) against the Spark range,
 * chance and cpv pipelines on the {@code --date} rows of {@code budget_features}: the chance of
 * sales must agree within the tolerance, the range and the cost per visitor within it relatively.
 * Rows without a budget (the shops' current rows) are scored at a budget from 10 to 99 chosen by a
 * hash of the shop id.
 */
final class BudgetParity implements ParityCheck {
  static final String MODEL = "parity.budget.model";
  static final String SAVED = "parity.budget.saved-model";
  private static final int BATCH = 512;
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.config("budget-model", MODEL, "DIR", "Spark budget models (range, chance, cpv); empty = the run date's"),
      OptionSpec.config("budget-saved-model", SAVED, "DIR", "their SavedModel; empty = export them now"));

  @Override
  public String diffName() {
    return "max_chance_diff";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public void validate(Config config) {
    Settings.string(config, MODEL);
    Settings.string(config, SAVED);
  }

  @Override
  public ParityTally run(JobContext context, Warehouse w, int maxRows, double tolerance) throws IOException {
    Config c = context.config();
    LocalDate ds = context.runDate();
    String dir = Settings.string(c, MODEL).isBlank() ? BudgetModels.dir(w, ds) : Settings.string(c, MODEL);
    context.stage("load budget models from " + dir);
    PipelineModel range = BudgetModels.load(dir, BudgetModels.RANGE);
    PipelineModel chance = BudgetModels.load(dir, BudgetModels.CHANCE);
    PipelineModel cpv = BudgetModels.load(dir, BudgetModels.CPV);
    if (!w.exists(BudgetFeaturesJob.OUTPUT)) {
      throw new JobFailedException("Table " + BudgetFeaturesJob.OUTPUT + " does not exist in warehouse " + w.root()
          + ": run budget-features for " + ds + " first");
    }
    context.stage("score " + BudgetFeaturesJob.OUTPUT + " with the Spark models");
    Dataset<Row> f = w.read(BudgetFeaturesJob.OUTPUT, ds)
        .withColumn("budget", coalesce(col("budget").cast("double"),
            pmod(xxhash64(col("shop_id")), lit(90)).plus(10).cast("double")))
        .where(col("budget").geq(0.01));
    List<String> raw = new ArrayList<>(BudgetSavedModel.FEATURES);
    raw.addAll(List.of(BudgetSavedModel.BUDGET, BudgetSavedModel.COUNTRY, BudgetSavedModel.MAIN_CATEGORY));
    Dataset<Row> scored = cpv.transform(chance.transform(range.transform(BudgetModels.withInputs(f))));
    List<org.apache.spark.sql.Column> out = new ArrayList<>();
    out.add(col("shop_id"));
    raw.forEach(x -> out.add(col(x)));
    out.add(col(BudgetModels.BUDGET_LOW));
    out.add(col(BudgetModels.BUDGET_HIGH));
    out.add(BudgetModels.chance().as("p"));
    out.add(col(BudgetModels.CPV_PRED));
    List<Row> rows = scored.select(out.toArray(org.apache.spark.sql.Column[]::new))
        .orderBy(col("shop_id"), col("budget"))
        .limit(maxRows)
        .collectAsList();
    Path tmp = null;
    Path saved;
    String savedSetting = Settings.string(c, SAVED);
    if (savedSetting.isBlank()) {
      tmp = Files.createTempDirectory("nightjar-parity-budget");
      saved = tmp.resolve("1");
      context.stage("export the budget SavedModel to " + saved);
      BudgetSavedModel.export(range, chance, cpv, saved);
    } else {
      saved = Path.of(savedSetting);
    }
    ParityTally t = new ParityTally();
    int n = raw.size();
    try (BudgetScorer scorer = BudgetScorer.load(saved)) {
      context.stage("score " + rows.size() + " feature rows with the SavedModel");
      for (int from = 0; from < rows.size(); from += BATCH) {
        List<Row> batch = rows.subList(from, Math.min(rows.size(), from + BATCH));
        List<Map<String, Object>> maps = new ArrayList<>(batch.size());
        for (Row r : batch) {
          Map<String, Object> m = new HashMap<>();
          for (int i = 0; i < n; i++) {
            m.put(raw.get(i), r.get(1 + i));
          }
          maps.add(m);
        }
        List<BudgetScorer.Prediction> got = scorer.predict(maps);
        for (int i = 0; i < batch.size(); i++) {
          Row r = batch.get(i);
          BudgetScorer.Prediction p = got.get(i);
          t.row();
          double low = r.getDouble(n + 1);
          double high = r.getDouble(n + 2);
          double chanceP = r.getDouble(n + 3);
          double cost = Math.exp(r.getDouble(n + 4));
          double d = Math.abs(chanceP - p.chanceOfSales());
          t.difference(d);
          if (d > tolerance || relative(low, p.rangeLow()) > tolerance
              || relative(high, p.rangeHigh()) > tolerance || relative(cost, p.costPerVisitor()) > tolerance) {
            t.miss(String.format(Locale.ROOT, "%s at budget %s: Spark chance %.8f range %.4f-%.4f cpv %.6f,"
                    + " SavedModel %.8f range %.4f-%.4f cpv %.6f", r.get(0), r.get(1 + raw.indexOf("budget")),
                chanceP, low, high, cost, p.chanceOfSales(), p.rangeLow(), p.rangeHigh(), p.costPerVisitor()));
          }
        }
      }
    } finally {
      dev.nightjar.model.Artifacts.deleteLocal(tmp);
    }
    return t;
  }

  private static double relative(double want, double got) {
    return Math.abs(want - got) / Math.max(1e-12, Math.abs(want));
  }
}

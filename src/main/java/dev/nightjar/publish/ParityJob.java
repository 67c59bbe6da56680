package dev.nightjar.publish;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import com.typesafe.config.Config;
import dev.nightjar.budget.BudgetFeaturesJob;
import dev.nightjar.budget.BudgetModels;
import dev.nightjar.category.CategoryData;
import dev.nightjar.category.CategoryText;
import dev.nightjar.category.KeslerModel;
import dev.nightjar.category.PredictCategoryJob;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.serving.BudgetScorer;
import dev.nightjar.serving.CategoryScorer;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jobs/run parity}: the SavedModels, run through tensorflow-java ({@link CategoryScorer},
 * {@link BudgetScorer}), against the Spark side on the same rows.
 *
 * <ul>
 *   <li>category: the {@code --date} partition of {@code category_predictions} (written by {@code
 *       predict-category}) joined with the products' terms; the paths must be identical and each
 *       level score within the tolerance;
 *   <li>budget: the {@code --date} rows of {@code budget_features} through the Spark range, chance
 *       and cpv pipelines; the chance of sales must agree within the tolerance, the range and the
 *       cost per visitor within it relatively. Rows without a budget (the shops' current rows)
 *       are scored at a budget from 10 to 99 chosen by a hash of the shop id.
 * </ul>
 *
 * Exits with status 1 on any mismatch (or nothing to compare), printing up to five of them.
 */
public final class ParityJob implements Job {
  private static final Logger LOG = LoggerFactory.getLogger(ParityJob.class);

  static final String CHECK = "parity.check";
  static final String ROWS = "parity.rows";
  static final String TOLERANCE = "parity.tolerance";
  static final String CATEGORY_MODEL = "parity.category.model";
  static final String CATEGORY_SAVED = "parity.category.saved-model";
  static final String PRODUCTS = "parity.category.products";
  static final String PREDICTIONS = "parity.category.predictions";
  static final String BUDGET_MODEL = "parity.budget.model";
  static final String BUDGET_SAVED = "parity.budget.saved-model";
  private static final int BATCH = 512;
  private static final int SAMPLES = 5;

  record Options(boolean category, boolean budget, int rows, double tolerance, String categoryModel,
      String categorySaved, String products, String predictions, String budgetModel, String budgetSaved,
      double minConfidence, CategoryData.Text text, int beamWidth) {
    static Options from(Config c) {
      String check = Settings.string(c, CHECK);
      List<String> parts = Arrays.stream(check.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
      if (parts.isEmpty() || !List.of("category", "budget").containsAll(parts)) {
        throw Settings.bad(CHECK, check, "\"category\", \"budget\" or \"category,budget\"");
      }
      return new Options(parts.contains("category"), parts.contains("budget"),
          Settings.intIn(c, ROWS, 1, 100_000_000), Settings.doubleIn(c, TOLERANCE, 0, 1),
          Settings.string(c, CATEGORY_MODEL), Settings.string(c, CATEGORY_SAVED), Settings.string(c, PRODUCTS),
          Settings.string(c, PREDICTIONS), Settings.string(c, BUDGET_MODEL), Settings.string(c, BUDGET_SAVED),
          Settings.doubleIn(c, PredictCategoryJob.MIN_CONFIDENCE, 0, 1), CategoryData.Text.from(c),
          Settings.intIn(c, PredictCategoryJob.BEAM_WIDTH, 1, 64));
    }
  }

  @Override
  public String name() {
    return "parity";
  }

  @Override
  public String description() {
    return "check that the TensorFlow SavedModels predict what the Spark models predict (exit 1 on any mismatch)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("check", CHECK, "WHAT", "category, budget or category,budget"),
        OptionSpec.config("rows", ROWS, "N", "rows compared per model"),
        OptionSpec.config("category-model", CATEGORY_MODEL, "DIR", "trained category model; empty = newest"),
        OptionSpec.config("category-saved-model", CATEGORY_SAVED, "DIR", "its SavedModel; empty = export it now"),
        OptionSpec.config("products", PRODUCTS, "PATH_OR_TABLE", "products of the predictions"),
        OptionSpec.config("predictions", PREDICTIONS, "TABLE", "predict-category's output table"),
        OptionSpec.config("budget-model", BUDGET_MODEL, "DIR", "Spark budget models (range, chance, cpv); empty = the run date's"),
        OptionSpec.config("budget-saved-model", BUDGET_SAVED, "DIR", "their SavedModel; empty = export them now"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  /** Mismatch counts of one model. */
  private static final class Tally {
    long rows;
    long mismatches;
    double maxDiff;
    final List<String> samples = new ArrayList<>();

    void miss(String what) {
      mismatches++;
      if (samples.size() < SAMPLES) {
        samples.add(what);
      }
    }
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    JobResult.Builder result = JobResult.builder(name());
    List<String> failures = new ArrayList<>();
    try {
      if (o.category()) {
        Tally t = category(context, o, w);
        result.metric("category.rows", t.rows).metric("category.mismatches", t.mismatches)
            .metric("category.max_score_diff", String.format(Locale.ROOT, "%.3g", t.maxDiff));
        report("category", t, failures);
      }
      if (o.budget()) {
        Tally t = budget(context, o, w);
        result.metric("budget.rows", t.rows).metric("budget.mismatches", t.mismatches)
            .metric("budget.max_chance_diff", String.format(Locale.ROOT, "%.3g", t.maxDiff));
        report("budget", t, failures);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!failures.isEmpty()) {
      System.err.println("parity: " + String.join("\n  ", failures));
      result.metric("parity", "failed").exitCode(ExitCodes.FAILED);
    } else {
      result.metric("parity", "ok");
    }
    return result.build();
  }

  private static void report(String model, Tally t, List<String> failures) {
    if (t.rows == 0) {
      failures.add(model + ": no rows to compare");
    } else if (t.mismatches > 0) {
      failures.add(model + ": " + t.mismatches + " of " + t.rows + " rows differ, e.g. " + String.join("; ", t.samples));
    }
    LOG.info("parity {}: {} rows, {} mismatches, max difference {}", model, t.rows, t.mismatches, t.maxDiff);
  }

  private Tally category(JobContext context, Options o, Warehouse w) throws IOException {
    LocalDate ds = context.runDate();
    if (!w.exists(o.predictions())) {
      throw new JobFailedException("Table " + o.predictions() + " does not exist in warehouse " + w.root()
          + ": run predict-category for " + ds + " first");
    }
    String modelPath = o.categoryModel().isBlank() ? PredictCategoryJob.latestModel(w, ds.toString()) : o.categoryModel();
    context.stage("load category model " + modelPath);
    KeslerModel model = KeslerModel.load(modelPath).setMinConfidence(o.minConfidence()).setBeamWidth(o.beamWidth());
    context.stage("join " + o.predictions() + " with the terms of " + o.products());
    Dataset<Row> products = CategoryData.read(w, o.products()).where(col("product_id").isNotNull());
    // Products whose id occurs twice are ambiguous (predict-category quarantines the repeats).
    Dataset<Row> unique = products.groupBy("product_id").agg(count(lit(1)).as("n")).where(col("n").equalTo(1));
    // The terms of the model's own featurization, as predict-category makes them.
    Dataset<Row> terms = CategoryText.tokenize(products.join(unique.select("product_id"), "product_id"),
        o.products(), CategoryText.of(model, modelPath)).select(col("product_id"), col(CategoryText.TOKENS));
    List<Row> rows = w.read(o.predictions(), ds)
        .select(col("product_id"), col("category"), col("level_scores"))
        .join(terms, "product_id")
        .orderBy("product_id")
        .limit(o.rows())
        .collectAsList();
    Path tmp = null;
    Path saved;
    if (o.categorySaved().isBlank()) {
      tmp = Files.createTempDirectory("nightjar-parity-category");
      saved = tmp.resolve("1");
      context.stage("export the category SavedModel to " + saved);
      CategorySavedModel.export(model, saved);
    } else {
      saved = Path.of(o.categorySaved());
    }
    Tally t = new Tally();
    try (CategoryScorer scorer = CategoryScorer.load(saved)) {
      context.stage("score " + rows.size() + " products with the SavedModel");
      for (int from = 0; from < rows.size(); from += BATCH) {
        List<Row> batch = rows.subList(from, Math.min(rows.size(), from + BATCH));
        List<List<String>> tokens = new ArrayList<>(batch.size());
        for (Row r : batch) {
          tokens.add(r.getList(3));
        }
        List<KeslerModel.Prediction> got = scorer.predict(tokens);
        for (int i = 0; i < batch.size(); i++) {
          Row r = batch.get(i);
          KeslerModel.Prediction p = got.get(i);
          t.rows++;
          List<Double> want = r.getList(2);
          String path = r.getString(1);
          boolean ok = path.equals(p.path()) && want.size() == p.levelScores().length;
          for (int l = 0; ok && l < want.size(); l++) {
            double d = Math.abs(want.get(l) - p.levelScores()[l]);
            t.maxDiff = Math.max(t.maxDiff, d);
            ok = d <= o.tolerance();
          }
          if (!ok) {
            t.miss(r.getString(0) + ": Spark " + path + " " + want + ", SavedModel " + p.path() + " "
                + Arrays.toString(p.levelScores()));
          }
        }
      }
    } finally {
      delete(tmp);
    }
    return t;
  }

  private Tally budget(JobContext context, Options o, Warehouse w) throws IOException {
    LocalDate ds = context.runDate();
    String dir = o.budgetModel().isBlank() ? BudgetModels.dir(w, ds) : o.budgetModel();
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
    raw.forEach(c -> out.add(col(c)));
    out.add(col(BudgetModels.BUDGET_LOW));
    out.add(col(BudgetModels.BUDGET_HIGH));
    out.add(BudgetModels.chance().as("p"));
    out.add(col(BudgetModels.CPV_PRED));
    List<Row> rows = scored.select(out.toArray(org.apache.spark.sql.Column[]::new))
        .orderBy(col("shop_id"), col("budget"))
        .limit(o.rows())
        .collectAsList();
    Path tmp = null;
    Path saved;
    if (o.budgetSaved().isBlank()) {
      tmp = Files.createTempDirectory("nightjar-parity-budget");
      saved = tmp.resolve("1");
      context.stage("export the budget SavedModel to " + saved);
      BudgetSavedModel.export(range, chance, cpv, saved);
    } else {
      saved = Path.of(o.budgetSaved());
    }
    Tally t = new Tally();
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
          t.rows++;
          double low = r.getDouble(n + 1);
          double high = r.getDouble(n + 2);
          double chanceP = r.getDouble(n + 3);
          double cost = Math.exp(r.getDouble(n + 4));
          double d = Math.abs(chanceP - p.chanceOfSales());
          t.maxDiff = Math.max(t.maxDiff, d);
          if (d > o.tolerance() || relative(low, p.rangeLow()) > o.tolerance()
              || relative(high, p.rangeHigh()) > o.tolerance() || relative(cost, p.costPerVisitor()) > o.tolerance()) {
            t.miss(String.format(Locale.ROOT, "%s at budget %s: Spark chance %.8f range %.4f-%.4f cpv %.6f,"
                    + " SavedModel %.8f range %.4f-%.4f cpv %.6f", r.get(0), r.get(1 + raw.indexOf("budget")),
                chanceP, low, high, cost, p.chanceOfSales(), p.rangeLow(), p.rangeHigh(), p.costPerVisitor()));
          }
        }
      }
    } finally {
      delete(tmp);
    }
    return t;
  }

  private static double relative(double want, double got) {
    return Math.abs(want - got) / Math.max(1e-12, Math.abs(want));
  }

  private static void delete(Path dir) throws IOException {
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

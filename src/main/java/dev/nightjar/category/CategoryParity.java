package dev.nightjar.category;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

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
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The category SavedModel through tensorflow-java ({@link CategoryScorer}) against {@code
 * predict-category}: the {@code --date} partition of {@code category_predictions} joined with the
 * products' terms; the paths must be identical and each level score within the tolerance.
 */
final class CategoryParity implements ParityCheck {
  static final String MODEL = "parity.category.model";
  static final String SAVED = "parity.category.saved-model";
  static final String PRODUCTS = "parity.category.products";
  static final String PREDICTIONS = "parity.category.predictions";
  private static final int BATCH = 512;
  private static final List<OptionSpec> OPTIONS = List.of(
      OptionSpec.config("category-model", MODEL, "DIR", "trained category model; empty = newest"),
      OptionSpec.config("category-saved-model", SAVED, "DIR", "its SavedModel; empty = export it now"),
      OptionSpec.config("products", PRODUCTS, "PATH_OR_TABLE", "products of the predictions"),
      OptionSpec.config("predictions", PREDICTIONS, "TABLE", "predict-category's output table"));

  private record Options(String model, String saved, String products, String predictions, double minConfidence,
      int beamWidth) {
    static Options from(Config c) {
      CategoryData.Text.from(c);
      return new Options(Settings.string(c, MODEL), Settings.string(c, SAVED), Settings.string(c, PRODUCTS),
          Settings.string(c, PREDICTIONS), Settings.doubleIn(c, PredictCategoryJob.MIN_CONFIDENCE, 0, 1),
          Settings.intIn(c, PredictCategoryJob.BEAM_WIDTH, 1, 64));
    }
  }

  @Override
  public String diffName() {
    return "max_score_diff";
  }

  @Override
  public List<OptionSpec> options() {
    return OPTIONS;
  }

  @Override
  public void validate(Config config) {
    Options.from(config);
  }

  @Override
  public ParityTally run(JobContext context, Warehouse w, int maxRows, double tolerance) throws IOException {
    Options o = Options.from(context.config());
    LocalDate ds = context.runDate();
    if (!w.exists(o.predictions())) {
      throw new JobFailedException("Table " + o.predictions() + " does not exist in warehouse " + w.root()
          + ": run predict-category for " + ds + " first");
    }
    String modelPath = o.model().isBlank() ? CategoryData.latestModel(w, ds.toString()) : o.model();
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
        .limit(maxRows)
        .collectAsList();
    Path tmp = null;
    Path saved;
    if (o.saved().isBlank()) {
      tmp = Files.createTempDirectory("nightjar-parity-category");
      saved = tmp.resolve("1");
      context.stage("export the category SavedModel to " + saved);
      CategorySavedModel.export(model, saved);
    } else {
      saved = Path.of(o.saved());
    }
    ParityTally t = new ParityTally();
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
          t.row();
          List<Double> want = r.getList(2);
          String path = r.getString(1);
          boolean ok = path.equals(p.path()) && want.size() == p.levelScores().length;
          for (int l = 0; ok && l < want.size(); l++) {
            double d = Math.abs(want.get(l) - p.levelScores()[l]);
            t.difference(d);
            ok = d <= tolerance;
          }
          if (!ok) {
            t.miss(r.getString(0) + ": Spark " + path + " " + want + ", SavedModel " + p.path() + " "
                + Arrays.toString(p.levelScores()));
          }
        }
      }
    } finally {
      dev.nightjar.model.Artifacts.deleteLocal(tmp);
    }
    return t;
  }
}

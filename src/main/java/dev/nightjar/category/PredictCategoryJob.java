package dev.nightjar.category;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.QuarantineGate;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductRows;
import dev.nightjar.text.ProductText;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code jobs/run predict-category}: categorizes products with a trained model into table
 * {@value #OUTPUT} ({@code product_id}, {@code category}, {@code category_id}, {@code
 * level_scores}, {@code model_version}, {@code ds}) and the annotators' review queue {@value
 * CategoryReview#TABLE} (see {@link CategoryReview}). When the input has a {@code category} column
 * (labels), the predictions are also measured into {@code category_metrics}.
 */
public final class PredictCategoryJob implements Job {
  public static final String OUTPUT = "category_predictions";
  static final String PRODUCTS = "category.predict.products";
  static final String MODEL = "category.predict.model";
  public static final String MIN_CONFIDENCE = "category.predict.min-confidence";
  public static final String BEAM_WIDTH = "category.predict.beam-width";

  record Options(String products, String model, double minConfidence, CategoryData.Text text, int beamWidth,
      CategoryReview.Options review) {
    static Options from(Config c) {
      return new Options(Settings.string(c, PRODUCTS), Settings.string(c, MODEL),
          Settings.doubleIn(c, MIN_CONFIDENCE, 0, 1), CategoryData.Text.from(c), Settings.intIn(c, BEAM_WIDTH, 1, 64),
          CategoryReview.Options.from(c));
    }
  }

  @Override
  public String name() {
    return "predict-category";
  }

  @Override
  public String description() {
    return "categorize products with the trained model into table " + OUTPUT;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("products", PRODUCTS, "PATH_OR_TABLE", "raw products to categorize, featurized here with the "
            + "model's featurization; empty = the features"),
        OptionSpec.config("features", CategoryData.FEATURES, "TABLE_OR_PATH", "features written by featurize (the run date's)"),
        OptionSpec.config("model", MODEL, "DIR", "model directory; empty = newest trained model"),
        OptionSpec.config("min-confidence", MIN_CONFIDENCE, "P", "confidence stop (0 = always a leaf)"),
        OptionSpec.config("beam-width", BEAM_WIDTH, "K", "paths kept per level (1 = greedy)"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    String modelPath = o.model().isBlank() ? CategoryData.latestModel(w, context.runDate().toString()) : o.model();
    context.stage("load model " + modelPath);
    KeslerModel model = KeslerModel.load(modelPath).setMinConfidence(o.minConfidence()).setBeamWidth(o.beamWidth());
    String version = String.valueOf(model.info().getOrDefault("version", modelPath));
    Featurization featurization;
    try {
      featurization = CategoryText.of(model, modelPath);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException(e.getMessage(), e);
    }
    boolean raw = !o.products().isBlank();
    String input = raw ? o.products() : o.text().features();
    Dataset<Row> triaged;
    boolean labelled = false;
    if (raw) {
      // Raw products are featurized here exactly as the model's features were.
      context.stage("read and featurize " + input);
      Dataset<Row> products = CategoryData.read(w, input);
      labelled = Arrays.asList(products.columns()).contains("category");
      if (labelled) {
        products = products.withColumnRenamed("category", "true_category");
      }
      triaged = ProductRows.triage(CategoryText.tokenize(ProductRows.withRaw(products), input, featurization),
          CategoryText.TOKENS, null);
    } else {
      context.stage("read " + input + " (ds=" + context.runDate() + ")");
      Dataset<Row> rows = CategoryData.features(w, input, context.runDate(), featurization, "model " + modelPath).rows();
      // Featurize quarantined its bad rows already (one row per id, each with text).
      triaged = rows.withColumn(Quarantine.REASON, functions.lit(null).cast("string"))
          .withColumn(Quarantine.RAW, functions.lit(null).cast("string"));
    }
    try (QuarantineGate gate = new QuarantineGate(name())) {
      QuarantineGate.Passed passed = gate.pass(input, triaged, o.text().maxQuarantineShare());
      context.stage("predict and write " + OUTPUT);
      Dataset<Row> predicted = model.setPredictionCol("category").transform(passed.good());
      Dataset<Row> out = predicted.select(col(ProductText.PRODUCT_ID), col("category"), col("category_id"),
          col("level_scores"), functions.lit(version).as("model_version"));
      java.util.Optional<Dataset<Row>> previous = CategoryReview.previousNight(w, OUTPUT, context.runDate());
      JobResult.Builder result = JobResult.builder(name()).rows(OUTPUT, w.replacePartition(OUTPUT, out, context.runDate()));
      context.stage("write " + CategoryReview.TABLE);
      result.rows(CategoryReview.TABLE, w.replacePartition(CategoryReview.TABLE,
          CategoryReview.queue(w.read(OUTPUT, context.runDate()), previous, o.review()), context.runDate()));
      if (labelled) {
        context.stage("measure against the input's labels");
        Dataset<Row> scored = w.read(OUTPUT, context.runDate()).select("product_id", "category")
            .join(passed.good().select(col("product_id"), col("true_category")), "product_id")
            .where(col("true_category").isNotNull());
        HierarchicalMetrics.Report report = HierarchicalMetrics.evaluate(scored, "category", "true_category");
        result.rows(CategoryMetrics.TABLE, CategoryMetrics.write(w, context.runDate(), CategoryMetrics.PREDICT, version, report));
        result.metric("hF", String.format(Locale.ROOT, "%.4f", report.overall().hF()))
            .metric("exact", String.format(Locale.ROOT, "%.4f", report.overall().exactAccuracy()));
      }
      result.rows(Quarantine.TABLE, gate.writeRejects(w, context.runDate()));
      return result.metric("model_version", version).build();
    }
  }

}

package dev.nightjar.category;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.google.common.hash.Hashing;
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
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.text.FeatureHashing;
import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductColumns;
import dev.nightjar.text.ProductRows;
import dev.nightjar.text.ProductText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code jobs/run train-category}: trains the Kesler classifier on labelled products (with human
 * corrections applied), measures it on a deterministic holdout, writes {@code category_metrics}
 * and saves the model under {@code WAREHOUSE/trained/category/ds=DATE}.
 */
public final class TrainCategoryJob implements Job {
  static final String LABELLED = "category.labelled";
  static final String CORRECTIONS = CategoryData.CORRECTIONS;
  static final String HOLDOUT = "category.holdout-share";
  static final String P = "category.train.";

  public static final String UNKNOWN_CATEGORY = "unknown_category";
  public static final String MISSING_CATEGORY = "missing_category";

  public record Options(String labelled, String taxonomy, String corrections, double holdoutShare,
      CategoryData.Text text, int numFeatures, int epochs, double learningRate, double regParam,
      String expansion, int sampledNegatives, String rebalance, int partitions, long seed, boolean refit, String objective, String loss) {
    static Options from(Config c) {
      return new Options(
          Settings.string(c, LABELLED),
          Settings.string(c, CategoryData.TAXONOMY),
          Settings.string(c, CORRECTIONS),
          Settings.doubleIn(c, HOLDOUT, 0, 0.9),
          CategoryData.Text.from(c),
          Settings.intIn(c, P + "num-features", 2, 1 << 30),
          Settings.intIn(c, P + "epochs", 1, 1000),
          Settings.doubleIn(c, P + "learning-rate", 1e-9, 100),
          Settings.doubleIn(c, P + "reg-param", 0, 100),
          Settings.oneOf(c, P + "expansion", KeslerClassifier.EXPANSION_SIBLINGS, KeslerClassifier.EXPANSION_FULL),
          Settings.intIn(c, P + "sampled-negatives", 0, 100_000),
          Settings.oneOf(c, P + "rebalance", KeslerClassifier.REBALANCE_NONE, KeslerClassifier.REBALANCE_INVERSE,
              KeslerClassifier.REBALANCE_UNDERSAMPLE),
          Settings.intIn(c, P + "partitions", 0, 100_000),
          Settings.longIn(c, P + "seed", Long.MIN_VALUE, Long.MAX_VALUE),
          Settings.bool(c, P + "refit-on-all"),
          Settings.oneOf(c, P + "objective", KeslerClassifier.OBJECTIVE_POINTWISE, KeslerClassifier.OBJECTIVE_SOFTMAX),
          Settings.oneOf(c, P + "loss", KeslerClassifier.LOSS_HINGE, KeslerClassifier.LOSS_LOGISTIC));
    }

    KeslerClassifier classifier(Taxonomy t) {
      return new KeslerClassifier().setTaxonomy(t).setNumFeatures(numFeatures).setEpochs(epochs)
          .setLearningRate(learningRate).setRegParam(regParam).setExpansion(expansion)
          .setSampledNegatives(sampledNegatives).setRebalance(rebalance).setNumPartitions(partitions).setSeed(seed)
          .setObjective(objective).setLoss(loss);
    }
  }

  @Override
  public String name() {
    return "train-category";
  }

  @Override
  public String description() {
    return "train the hierarchical category classifier (Kesler's construction) and measure it";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("labelled", LABELLED, "PATH_OR_TABLE", "raw labelled products (category = path or taxonomy id), "
            + "featurized here; empty = the features with the labels"),
        OptionSpec.config("features", CategoryData.FEATURES, "TABLE_OR_PATH", "features written by featurize (the run date's)"),
        OptionSpec.config("labels", CategoryData.LABELS, "PATH_OR_TABLE", "labels (product_id, category) for the features"),
        OptionSpec.config("taxonomy", CategoryData.TAXONOMY, "FILE_OR_TABLE", "taxonomy; empty derives it from the labels"),
        OptionSpec.config("corrections", CORRECTIONS, "PATH_OR_TABLE", "label corrections: product_id, category, source"),
        OptionSpec.config("holdout-share", HOLDOUT, "S", "share of products held out for the metrics"),
        OptionSpec.config("epochs", P + "epochs", "N", "passes over the products"),
        OptionSpec.config("num-features", P + "num-features", "N", "hashed (class, term) features"),
        OptionSpec.config("expansion", P + "expansion", "siblings|full", "candidate classes per product"),
        OptionSpec.config("rebalance", P + "rebalance", "MODE", "none, inverse-frequency or undersample"),
        OptionSpec.config("objective", P + "objective", "pointwise|sibling-softmax", "training objective"),
        OptionSpec.config("loss", P + "loss", "hinge|logistic", "pointwise loss"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    // Raw labelled products are featurized here; otherwise the labels meet the night's features.
    boolean raw = !o.labelled().isBlank();
    String labelsSpec = raw ? o.labelled() : o.text().labels();
    context.stage("read " + labelsSpec);
    Dataset<Row> labelled = CategoryData.read(w, labelsSpec);
    if (!Arrays.asList(labelled.columns()).contains("category")) {
      throw new JobFailedException("Input " + labelsSpec + " has no column category; found columns "
          + String.join(", ", labelled.columns()));
    }
    labelled = labelled.withColumn("category", labelled.schema().apply("category").dataType() instanceof IntegralType
        ? col("category") : functions.trim(col("category").cast("string")));
    if (!o.corrections().isBlank()) {
      labelled = applyCorrections(labelled, CategoryData.read(w, o.corrections()));
    }
    Taxonomy taxonomy = CategoryData.taxonomy(w, o.taxonomy(), labelled, "category");
    Dataset<Row> tokenized;
    Featurization featurization;
    if (raw) {
      context.stage("featurize and check " + labelsSpec);
      featurization = o.text().featurization();
      tokenized = CategoryData.tokenize(ProductRows.withRaw(labelled), labelsSpec, o.text());
    } else {
      context.stage("join " + labelsSpec + " with " + o.text().features());
      CategoryData.Features f = CategoryData.features(w, o.text().features(), context.runDate(), null, null);
      featurization = f.featurization();
      tokenized = ProductRows.withRaw(ProductColumns.normalize(labelled, labelsSpec))
          .join(f.rows(), ProductText.PRODUCT_ID, "left");
    }
    // Labels resolve to a taxonomy path (ids become paths), or to null with a reason.
    Broadcast<Taxonomy> tax = new org.apache.spark.api.java.JavaSparkContext(w.spark().sparkContext()).broadcast(taxonomy);
    var resolve = functions.udf((UDF1<String, String>) label -> {
      if (label == null || label.isBlank()) {
        return null;
      }
      Taxonomy t = tax.value();
      Taxonomy.Node n = label.matches("-?\\d+") ? t.byId(Long.parseLong(label)) : t.byPath(label);
      return n == null ? null : n.path();
    }, DataTypes.StringType);
    Dataset<Row> withPath = tokenized.withColumn("label_path", resolve.apply(col("category").cast("string")));
    Column labelReason =
        when(col(CategoryText.TOKENS).isNull(), lit(CategoryData.NO_FEATURES))
            .when(col("category").isNull().or(functions.trim(col("category").cast("string")).equalTo("")), lit(MISSING_CATEGORY))
            .when(col("label_path").isNull(), lit(UNKNOWN_CATEGORY));
    Dataset<Row> triaged = narrow(ProductRows.triage(withPath, CategoryText.TOKENS, labelReason));
    try (QuarantineGate gate = new QuarantineGate(name())) {
      QuarantineGate.Passed passed = gate.pass(labelsSpec, triaged, o.text().maxQuarantineShare());
      // Labels without titles (a bare labels table) are held out by their id.
      Dataset<Row> good = passed.good()
          .withColumn("holdout", holdout(o.holdoutShare()).apply(functions.coalesce(col("title"), col(ProductText.PRODUCT_ID))))
          .select(col(ProductText.PRODUCT_ID), col(CategoryText.TOKENS), col("label_path"), col("holdout"));
      context.stage("train Kesler classifier (" + taxonomy.size() + " classes)");
      long t0 = System.nanoTime();
      KeslerModel model = o.classifier(taxonomy).setLabelCol("label_path").fit(good.where("not holdout"));
      double trainSeconds = (System.nanoTime() - t0) / 1e9;
      String version = "category-" + context.runDate();
      model.withInfo("version", version).withInfo("trainingDate", context.runDate().toString())
          .withInfo("trainingData", raw ? labelsSpec : o.text().features() + " + " + labelsSpec)
          .withInfo("hash", FeatureHashing.HASH_NAME).withInfo(CategoryText.INFO_KEY, featurization.toMap())
          .withInfo("trainSeconds", trainSeconds);
      JobResult.Builder result = JobResult.builder(name()).metric("classes", taxonomy.size())
          .metric("train_s", String.format(Locale.ROOT, "%.1f", trainSeconds));
      Dataset<Row> holdout = good.where("holdout");
      if (o.holdoutShare() > 0) {
        context.stage("evaluate on the holdout");
        // The model's own default (no confidence stop): the full greedy path with every level's score.
        Dataset<Row> predicted = model.setPredictionCol("predicted").transform(holdout)
            .persist(StorageLevel.MEMORY_AND_DISK());
        HierarchicalMetrics.Report report = HierarchicalMetrics.evaluate(predicted, "predicted", "label_path");
        model.withInfo("metrics", CategoryMetrics.asMap(report));
        context.stage("write " + CategoryMetrics.TABLE + " and " + CategoryMetrics.HOLDOUT_TABLE);
        result.rows(CategoryMetrics.TABLE,
            CategoryMetrics.write(w, context.runDate(), CategoryMetrics.HOLDOUT, version, report));
        result.rows(CategoryMetrics.HOLDOUT_TABLE, w.replacePartition(CategoryMetrics.HOLDOUT_TABLE,
            predicted.select(col(ProductText.PRODUCT_ID), col("label_path").as("category"), col("predicted"),
                col("level_scores"), lit(version).as("model_version")), context.runDate()));
        predicted.unpersist();
        result.metric("hF", String.format(Locale.ROOT, "%.4f", report.overall().hF()))
            .metric("exact", String.format(Locale.ROOT, "%.4f", report.overall().exactAccuracy()))
            .metric("holdout_products", report.overall().products());
      }
      if (o.refit() && o.holdoutShare() > 0) {
        // The holdout measured the recipe; the published model learns from every labelled product.
        context.stage("refit on all labelled products");
        long t1 = System.nanoTime();
        KeslerModel full = o.classifier(taxonomy).setLabelCol("label_path").fit(good);
        full.withInfo("version", version).withInfo("trainingDate", context.runDate().toString())
            .withInfo("trainingData", raw ? labelsSpec : o.text().features() + " + " + labelsSpec)
            .withInfo("hash", FeatureHashing.HASH_NAME).withInfo(CategoryText.INFO_KEY, featurization.toMap())
            .withInfo("trainSeconds", (System.nanoTime() - t1) / 1e9).withInfo("refitOnAll", true);
        if (model.info().containsKey("metrics")) {
          full.withInfo("metrics", model.info().get("metrics"));
        }
        model = full;
      }
      model.setPredictionCol("category");
      context.stage("save model");
      String path = save(w, model, context.runDate().toString());
      result.rows(Quarantine.TABLE, gate.writeRejects(w, context.runDate()));
      return result.metric("model", path).build();
    } finally {
      tax.unpersist(false);
    }
  }

  /**
   * What the rest of the run reads of the triaged labels: the id, terms, label, title (the
   * holdout's key), the reason, and the raw row only when refused. Persisted whole, the labels'
   * text and raw JSON (the products table: descriptions) made the persisted rows ~10x wider than
   * this and spilled at 1M products.
   */
  private static Dataset<Row> narrow(Dataset<Row> triaged) {
    List<Column> kept = new java.util.ArrayList<>(List.of(col(ProductText.PRODUCT_ID), col(CategoryText.TOKENS),
        col("label_path")));
    if (Arrays.asList(triaged.columns()).contains("title")) {
      kept.add(col("title"));
    }
    kept.add(col(Quarantine.REASON));
    kept.add(when(col(Quarantine.REASON).isNotNull(), col(Quarantine.RAW)).as(Quarantine.RAW));
    return triaged.select(kept.toArray(new Column[0]));
  }

  /** Products whose normalized title hashes below the share are held out (near-duplicates together). */
  static org.apache.spark.sql.expressions.UserDefinedFunction holdout(double share) {
    long cut = Math.round(share * 10_000);
    return functions.udf((UDF1<String, Boolean>) title -> {
      String norm = title == null ? "" : title.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").trim();
      long h = Hashing.farmHashFingerprint64().hashString(norm, StandardCharsets.UTF_8).asLong();
      return Long.remainderUnsigned(h, 10_000) < cut;
    }, DataTypes.BooleanType);
  }

  /** Corrections replace the label of their product; of several for one product, the last by (source, category) wins. */
  static Dataset<Row> applyCorrections(Dataset<Row> labelled, Dataset<Row> corrections) {
    for (String c : List.of("product_id", "category")) {
      if (!Arrays.asList(corrections.columns()).contains(c)) {
        throw new JobFailedException("Corrections have no column " + c + "; found columns "
            + String.join(", ", corrections.columns()));
      }
    }
    Column source = Arrays.asList(corrections.columns()).contains("source") ? col("source").cast("string") : lit("");
    Dataset<Row> latest = corrections
        .select(col("product_id").cast("string").as("_cid"), functions.trim(col("category").cast("string")).as("_corrected"),
            source.as("_source"))
        .where(col("_cid").isNotNull().and(col("_corrected").isNotNull()))
        .withColumn("_n", functions.row_number().over(
            org.apache.spark.sql.expressions.Window.partitionBy("_cid").orderBy(col("_source").desc(), col("_corrected").desc())))
        .where("_n = 1");
    return labelled.join(latest, labelled.col("product_id").cast("string").equalTo(latest.col("_cid")), "left")
        .withColumn("category", functions.coalesce(col("_corrected"), col("category").cast("string")))
        .drop("_cid", "_corrected", "_source", "_n");
  }

  /** Saves into a temporary directory, then renames it into place, so a model is whole or absent. */
  static String save(Warehouse w, KeslerModel model, String ds) {
    String target = w.tablePath(CategoryData.TRAINED_DIR + "/ds=" + ds);
    String tmp = Warehouse.tmpBeside(target);
    try {
      model.write().overwrite().save(tmp);
      w.moveIntoPlace(tmp, target);
      return target;
    } catch (IOException e) {
      throw new JobFailedException("Cannot save the model to " + target + ": " + e.getMessage(), e);
    }
  }
}

package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CategoryJobsTest {
  private static final LocalDate DS = LocalDate.of(2026, 11, 20);

  /** Four categories with words of their own; a mislabelled product; an unknown category; no id. */
  private static Path labelled(Path dir) throws Exception {
    List<String> lines = new ArrayList<>();
    String[][] cats = {{"Office > Pens", "pen ink"}, {"Office > Rulers", "ruler inch"},
        {"Home > Mugs", "mug coffee"}, {"Home", "decor"}};
    for (int k = 0; k < 6; k++) {
      for (String[] c : cats) {
        lines.add(String.format("{\"product_id\":\"%s%d\",\"title\":\"%s model %d\",\"category\":\"%s\"}",
            c[1].split(" ")[0], k, c[1], k, c[0]));
      }
    }
    lines.add("{\"product_id\":\"z1\",\"title\":\"zebra ruler straight\",\"category\":\"Office > Pens\"}");
    lines.add("{\"product_id\":\"u1\",\"title\":\"mystery box\",\"category\":\"Garden > Tools\"}");
    lines.add("{\"title\":\"no id pen\",\"category\":\"Office > Pens\"}");
    Path f = dir.resolve("labelled.jsonl");
    Files.write(f, lines);
    Path corrections = dir.resolve("corrections.csv");
    Files.writeString(corrections, "product_id,category,source\nz1,Office > Rulers,review\n");
    Files.writeString(dir.resolve("taxonomy.txt"),
        "10 - Office\n11 - Office > Pens\n12 - Office > Rulers\n20 - Home\n21 - Home > Mugs\n");
    return f;
  }

  private static Map<String, String> sets(Path dir, Path labelled) {
    return Map.of("category.labelled", labelled.toString(),
        "category.corrections", dir.resolve("corrections.csv").toString(),
        "category.taxonomy", dir.resolve("taxonomy.txt").toString(),
        "category.train.num-features", "65536", "category.train.epochs", "15",
        "category.holdout-share", "0", "category.max-quarantine-share", "0.2",
        "category.predict.min-confidence", "0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void trainsWithCorrectionsAndPredicts(String entry, @TempDir Path dir) throws Exception {
    Path in = labelled(dir);
    Path wh = dir.resolve("wh");
    Path test = dir.resolve("test.jsonl");
    Files.write(test, List.of(
        "{\"product_id\":\"t1\",\"title\":\"Blue pen\",\"category\":\"Office > Pens\"}",
        "{\"product_id\":\"t2\",\"title\":\"zebra ruler\",\"category\":\"Office > Rulers\"}",
        "{\"product_id\":\"t3\",\"title\":\"Coffee mug\",\"category\":\"Home > Mugs\"}",
        "{\"product_id\":\"t4\",\"title\":\"Home decor\",\"category\":\"Home\"}"));
    if (entry.equals("api")) {
      JobResult r = Jobs.runApi(new TrainCategoryJob(), wh, DS, sets(dir, in), Map.of());
      assertEquals(2L, r.rowsWritten().get(Quarantine.TABLE));
      Jobs.runApi(new PredictCategoryJob(), wh, DS,
          Map.of("category.predict.products", test.toString(), "category.predict.min-confidence", "0"), Map.of());
    } else {
      List<String> args = new ArrayList<>(List.of("train-category", "--warehouse", wh.toString(), "--date", DS.toString()));
      sets(dir, in).forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
      Jobs.Outcome o = Jobs.main(args.toArray(new String[0]));
      assertEquals(0, o.status(), o.err());
      assertTrue(o.out().contains("rows.quarantine=2"), o.out());
      Jobs.Outcome p = Jobs.main("predict-category", "--warehouse", wh.toString(), "--date", DS.toString(),
          "--products", test.toString(), "--min-confidence", "0");
      assertEquals(0, p.status(), p.err());
    }
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    Map<String, Row> preds = w.read(PredictCategoryJob.OUTPUT, DS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("product_id"), r -> r));
    assertEquals("Office > Pens", preds.get("t1").getAs("category"));
    assertEquals("Office > Rulers", preds.get("t2").getAs("category"), "the correction was learned");
    assertEquals("Home > Mugs", preds.get("t3").getAs("category"));
    assertEquals("Home", preds.get("t4").getAs("category"), "an inner category, through its stop class");
    assertEquals("category-" + DS, preds.get("t1").getAs("model_version"));
    assertEquals(11L, preds.get("t1").<Long>getAs("category_id"));
    assertEquals(2, preds.get("t1").getList(preds.get("t1").fieldIndex("level_scores")).size());
    List<String> reasons = w.read(Quarantine.TABLE, DS).where("job = 'train-category'").orderBy("reason")
        .select("reason").as(Encoders.STRING()).collectAsList();
    assertEquals(List.of(dev.nightjar.text.ProductRows.MISSING_ID, TrainCategoryJob.UNKNOWN_CATEGORY), reasons);
    Row overall = w.read(CategoryMetrics.TABLE, DS).where("source = 'predict' and scope = 'overall'").first();
    assertEquals(1.0, overall.<Double>getAs("hF"), 1e-12);
    assertEquals(4L, overall.<Long>getAs("products"));
  }

  @Test
  void holdoutMetricsAreWritten(@TempDir Path dir) throws Exception {
    Path in = labelled(dir);
    Map<String, String> s = new java.util.HashMap<>(sets(dir, in));
    s.put("category.holdout-share", "0.3");
    JobResult r = Jobs.runApi(new TrainCategoryJob(), dir.resolve("wh"), DS, s, Map.of());
    long holdout = (Long) r.metrics().get("holdout_products");
    assertTrue(holdout > 0 && holdout < 25, "holdout " + holdout);
    Warehouse w = new Warehouse(SharedSpark.get(), dir.resolve("wh").toString());
    Row overall = w.read(CategoryMetrics.TABLE, DS).where("source = 'holdout' and scope = 'overall'").first();
    assertEquals(holdout, overall.<Long>getAs("products"));
    KeslerModel m = KeslerModel.load(r.metrics().get("model").toString());
    assertEquals(true, m.info().get("refitOnAll"));
    assertTrue(((Map<?, ?>) m.info().get("metrics")).containsKey("hF"));
  }

  /**
   * The nightly flow: featurize writes product_features; train-category reads them with the labels,
   * predict-category reads them too (no raw text), and the model refuses features of another
   * featurization before reading any row.
   */
  @Test
  void trainsAndPredictsFromProductFeatures(@TempDir Path dir) throws Exception {
    Path in = labelled(dir);
    Path all = dir.resolve("all.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(in));
    lines.add("{\"product_id\":\"t1\",\"title\":\"Blue pen\"}");
    lines.add("{\"product_id\":\"t2\",\"title\":\"zebra ruler\"}");
    Files.write(all, lines);
    Path wh = dir.resolve("wh");
    Map<String, String> feat = Map.of("featurize.input", all.toString(), "featurize.max-quarantine-share", "0.2");
    Jobs.runApi(new dev.nightjar.text.FeaturizeJob(), wh, DS, feat, Map.of());
    Map<String, String> train = new java.util.HashMap<>(sets(dir, in));
    train.put("category.labelled", "");
    train.put("category.labels", in.toString());
    JobResult r = Jobs.runApi(new TrainCategoryJob(), wh, DS, train, Map.of());
    // The row without an id never reached the features: the labels meet no features there.
    assertEquals(2L, r.rowsWritten().get(Quarantine.TABLE), r.toString());
    KeslerModel model = KeslerModel.load(r.metrics().get("model").toString());
    assertEquals(dev.nightjar.text.Featurization.defaults().toMap(), model.info().get(CategoryText.INFO_KEY));
    Map<String, String> predict = Map.of("category.predict.min-confidence", "0");
    Jobs.runApi(new PredictCategoryJob(), wh, DS, predict, Map.of());
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    assertEquals("Office > Rulers", category(w, "t2"), "the correction was learned");
    assertEquals("Office > Pens", category(w, "t1"));

    // The model reads the table's terms: give t2 a pen's terms and its prediction follows.
    var features = w.read(dev.nightjar.text.FeaturizeJob.OUTPUT, DS).drop(Warehouse.DS);
    var terms = features.schema().apply("terms");
    var changed = features.withColumn("terms", org.apache.spark.sql.functions.when(
            org.apache.spark.sql.functions.col("product_id").equalTo("t2"),
            org.apache.spark.sql.functions.lit("pen t:pen"))
        .otherwise(org.apache.spark.sql.functions.col("terms")), terms.metadata()).localCheckpoint();
    w.replacePartition(dev.nightjar.text.FeaturizeJob.OUTPUT, changed, DS);
    Jobs.runApi(new PredictCategoryJob(), wh, DS, predict, Map.of());
    assertEquals("Office > Pens", category(w, "t2"));

    // Featurize refuses to add a partition of another featurization (stemming switched) to the table ...
    boolean stem = !dev.nightjar.text.Featurization.defaults().stem();
    Map<String, String> stemmed = new java.util.HashMap<>(feat);
    stemmed.put("featurize.stem", String.valueOf(stem));
    Map<String, Object> stemmedMap = new java.util.LinkedHashMap<>(dev.nightjar.text.Featurization.defaults().toMap());
    stemmedMap.put("stem", stem);
    String other = dev.nightjar.text.Featurization.fromMap(stemmedMap, "test").describe();
    String mine = dev.nightjar.text.Featurization.defaults().describe();
    dev.nightjar.common.JobFailedException refused = org.junit.jupiter.api.Assertions.assertThrows(
        dev.nightjar.common.JobFailedException.class,
        () -> Jobs.runApi(new dev.nightjar.text.FeaturizeJob(), wh, DS, stemmed, Map.of()));
    assertEquals("Table product_features holds featurization " + mine + ", this run's is " + other
        + ": the partitions of one table share one featurization. Move the table aside (readers take it with "
        + "--features PATH) or run with its settings", refused.getMessage());
    // ... and the model refuses such a table (here in another warehouse) before reading a row.
    Path wh2 = dir.resolve("wh2");
    Jobs.runApi(new dev.nightjar.text.FeaturizeJob(), wh2, DS, stemmed, Map.of());
    String modelDir = r.metrics().get("model").toString();
    dev.nightjar.common.JobFailedException e = org.junit.jupiter.api.Assertions.assertThrows(
        dev.nightjar.common.JobFailedException.class, () -> Jobs.runApi(new PredictCategoryJob(), wh2, DS,
            Map.of("category.predict.model", modelDir, "category.predict.min-confidence", "0"), Map.of()));
    assertEquals("Features product_features were made with featurization " + other + ", but model " + modelDir
        + " needs " + mine + ": run jobs/run featurize with the same featurize.* settings, or train a model on "
        + "these features", e.getMessage());
  }

  private static String category(Warehouse w, String id) {
    return w.read(PredictCategoryJob.OUTPUT, DS).where(org.apache.spark.sql.functions.col("product_id").equalTo(id))
        .select("category").as(Encoders.STRING()).first();
  }
}

package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FeaturizeJobTest {
  private static final LocalDate DS = LocalDate.of(2026, 11, 20);
  private final SparkSession spark = SharedSpark.get();

  /** Eight products: four good, one of each kind of bad. */
  private static final String INPUT =
      String.join("\n",
          "{\"product_id\":\"p1\",\"title\":\"Red <b>Mug</b>\",\"tags\":[\"kitchen\",\"coffee\"]}",
          "{\"product_id\":\"p2\",\"title\":\"Blue cup\",\"vendor\":\"Acme\"}",
          "{\"product_id\":\"p2\",\"title\":\"Another blue cup\"}",
          "{\"product_id\":\"\",\"title\":\"No id\"}",
          "{\"title\":\"Null id\"}",
          "{\"product_id\":\"p3\",\"title\":\"<p>&nbsp;</p>\",\"description\":\"the of and\"}",
          "{\"product_id\":\"p4\",\"title\":\"Green teapot\",\"description\":\"Visit https://x.com now\"}",
          "{\"product_id\":\"p5\",\"title\":\"Tea",
          "")
      ;

  private Path input(Path dir) throws Exception {
    Path f = dir.resolve("products.jsonl");
    Files.writeString(f, INPUT);
    return f;
  }

  private static Map<String, String> sets(Path input, double maxShare) {
    return Map.of("featurize.input", input.toString(), "featurize.num-features", "1024",
        "featurize.max-quarantine-share", String.valueOf(maxShare));
  }

  /** The same checks through both entry points: the Java API and the spark-submit main. */
  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void writesFeaturesAndQuarantinesBadRows(String entry, @TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Path in = input(dir);
    if (entry.equals("api")) {
      JobResult r = Jobs.runApi(new FeaturizeJob(), wh, DS, sets(in, 0.9), Map.of());
      assertEquals(3L, r.rowsWritten().get(FeaturizeJob.OUTPUT));
      assertEquals(5L, r.rowsWritten().get(Quarantine.TABLE));
    } else {
      Jobs.Outcome o = Jobs.main("featurize", "--warehouse", wh.toString(), "--date", DS.toString(),
          "--input", in.toString(), "--num-features", "1024", "--set", "featurize.max-quarantine-share=0.9");
      assertEquals(0, o.status(), o.err());
      assertTrue(o.out().contains("rows.product_features=3 rows.quarantine=5"), o.out());
    }
    Warehouse w = new Warehouse(spark, wh.toString());
    Map<String, Row> features = w.read(FeaturizeJob.OUTPUT, DS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("product_id"), r -> r));
    assertEquals(List.of("p1", "p2", "p4"), features.keySet().stream().sorted().toList());
    assertEquals(List.of("red", "mug", "kitchen", "coffe"), features.get("p1").getList(1));
    // The first p2 by content ("Another blue cup" < "Blue cup") is kept.
    assertEquals(List.of("anoth", "blue", "cup"), features.get("p2").getList(1));
    assertEquals(List.of("green", "teapot", "visit"), features.get("p4").getList(1));
    SparseVector v = (SparseVector) features.get("p4").getAs("features");
    assertEquals(FarmHashingTF.vector(List.of("green", "teapot", "visit"), 1024, false), v);
    var meta = w.read(FeaturizeJob.OUTPUT).schema().apply("features").metadata();
    assertEquals(1024L, meta.getLong(FarmHashingTF.META_SIZE));
    assertEquals(FeatureHashing.HASH_NAME, meta.getString(FarmHashingTF.META_HASH));
    // The classifier's terms, and the featurization that made them in the column's metadata.
    assertEquals(List.of("green", "teapot", "visit", "t:green", "t:teapot", "b:green_teapot"),
        features.get("p4").getList(features.get("p4").fieldIndex("terms")));
    assertEquals(Featurization.defaults().withSizes(102400, 1024),
        ProductFeaturizer.featurization(w.read(FeaturizeJob.OUTPUT).schema(), FeaturizeJob.OUTPUT));

    List<String> reasons = w.read(Quarantine.TABLE, DS).where("job = 'featurize'")
        .select(Quarantine.REASON).as(org.apache.spark.sql.Encoders.STRING()).collectAsList()
        .stream().sorted().toList();
    assertEquals(List.of(ProductRows.DUPLICATE_ID, ProductRows.MALFORMED, ProductRows.MISSING_ID,
        ProductRows.MISSING_ID, ProductRows.NO_TEXT), reasons);
    Row dup = w.read(Quarantine.TABLE, DS).where("reason = 'duplicate_product_id'").first();
    assertTrue(dup.<String>getAs(Quarantine.RAW).contains("\"title\":\"Blue cup\""), dup.toString());
  }

  @Test
  void rerunningADateGivesTheSameRows(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Path in = input(dir);
    Jobs.runApi(new FeaturizeJob(), wh, DS, sets(in, 0.9), Map.of());
    Warehouse w = new Warehouse(spark, wh.toString());
    List<Row> first = w.read(FeaturizeJob.OUTPUT).orderBy("product_id").collectAsList();
    List<Row> q1 = w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList();
    Jobs.runApi(new FeaturizeJob(), wh, DS, sets(in, 0.9), Map.of());
    assertEquals(first, w.read(FeaturizeJob.OUTPUT).orderBy("product_id").collectAsList());
    assertEquals(q1, w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList());
  }

  @Test
  void tooManyBadRowsFailsAndWritesNothing(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Path in = input(dir);
    Jobs.runApi(new FeaturizeJob(), wh, DS, sets(in, 0.9), Map.of());
    Warehouse w = new Warehouse(spark, wh.toString());
    List<Row> before = w.read(FeaturizeJob.OUTPUT).orderBy("product_id").collectAsList();
    long versionBefore = io.delta.tables.DeltaTable.forPath(spark, w.tablePath(FeaturizeJob.OUTPUT))
        .history(1).first().getLong(0);
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new FeaturizeJob(), wh, DS, sets(in, 0.05), Map.of()));
    assertTrue(e.getMessage().startsWith("featurize: 5 of 8 rows of " + in + " (62.50%) are bad, more than the allowed 5.00%"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Sample:\n  "), e.getMessage());
    assertEquals(before, w.read(FeaturizeJob.OUTPUT).orderBy("product_id").collectAsList());
    assertEquals(versionBefore, io.delta.tables.DeltaTable.forPath(spark, w.tablePath(FeaturizeJob.OUTPUT))
        .history(1).first().getLong(0));
    Jobs.Outcome o = Jobs.main("featurize", "--warehouse", wh.toString(), "--input", in.toString(), "--num-features", "1024");
    assertEquals(1, o.status());
    assertTrue(o.err().startsWith("nightjar: job failed: featurize: 5 of 8 rows"), o.err());
  }

  @Test
  void truncatesLongFieldsAndCountsThem(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("long.csv");
    Files.writeString(f, "product_id,title,description\nq1,Short title," + "word ".repeat(30) + "\n");
    JobResult r = Jobs.runApi(new FeaturizeJob(), dir.resolve("wh"), DS,
        Map.of("featurize.input", f.toString(), "featurize.max-field-chars", "20"), Map.of());
    assertEquals(1L, r.metrics().get("truncated_fields"));
    Row row = new Warehouse(spark, dir.resolve("wh").toString()).read(FeaturizeJob.OUTPUT).first();
    assertEquals(List.of("short", "titl", "word", "word", "word", "word"), row.getList(1));
  }
}

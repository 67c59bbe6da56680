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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
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
    // The classifier's terms, stored as one string; the vector of every field's tokens as two arrays.
    assertEquals("red mug kitchen coffe t:red t:mug b:red_mug", features.get("p1").getAs("terms"));
    assertEquals(FarmHashingTF.vector(List.of("red", "mug", "kitchen", "coffe"), 1024, false), vector(features.get("p1"), 1024));
    // The first p2 by content ("Another blue cup" < "Blue cup") is kept.
    assertEquals("anoth blue cup t:anoth t:blue t:cup b:anoth_blue b:blue_cup", features.get("p2").getAs("terms"));
    assertEquals(FarmHashingTF.vector(List.of("green", "teapot", "visit"), 1024, false), vector(features.get("p4"), 1024));
    // Readers get the terms back as the exact list, and the featurization from the column's metadata.
    assertEquals(List.of("green", "teapot", "visit", "t:green", "t:teapot", "b:green_teapot"),
        termsRead(w.read(FeaturizeJob.OUTPUT, DS)).get("p4"));
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
    // Terms are distinct; the vector counts the four words left of the description's 20 characters.
    assertEquals("short titl word t:short t:titl b:short_titl", row.getAs("terms"));
    assertEquals(FarmHashingTF.vector(List.of("short", "titl", "word", "word", "word", "word"), 262144, false), vector(row, 262144));
  }

  /**
   * A table of the earlier layout (terms as an array, no vector arrays): readers still read its
   * terms, and featurize refuses to add a partition of another layout to it, naming what differs.
   */
  @Test
  void readsAndRefusesATableOfTheEarlierLayout(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Featurization f = Featurization.defaults().withSizes(102400, 1024);
    StructType old = new StructType().add("product_id", DataTypes.StringType)
        .add(new StructField("terms", DataTypes.createArrayType(DataTypes.StringType), true, ProductFeaturizer.metadata(f)))
        .add("ds", DataTypes.StringType);
    spark.createDataFrame(List.of(RowFactory.create("p9", List.of("red", "t:red"), DS.toString())), old)
        .write().format("delta").partitionBy("ds").save(wh.resolve(FeaturizeJob.OUTPUT).toString());
    Warehouse w = new Warehouse(spark, wh.toString());
    var read = dev.nightjar.category.CategoryData.features(w, FeaturizeJob.OUTPUT, DS, f, "model m");
    assertEquals(f, read.featurization());
    assertEquals(List.of("red", "t:red"), read.rows().first().getList(1));
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new FeaturizeJob(), wh, DS, sets(input(dir), 0.9), Map.of()));
    assertEquals("Cannot add to table product_features: it has another layout (column terms is array<string>, "
        + "expected string, no column features), written by an earlier featurize. "
        + "Move the table aside (readers take it with --features PATH) and run again", e.getMessage());
  }

  /** The stored vector of a row, as MLlib's of {@code size}. */
  private static SparseVector vector(Row r, int size) {
    return ProductFeaturesTable.vector(r.getAs(ProductFeaturesTable.FEATURES), size);
  }

  /** The terms per product as the category jobs read them. */
  private static Map<String, List<String>> termsRead(org.apache.spark.sql.Dataset<Row> table) {
    return table.select(table.col("product_id"), ProductFeaturesTable.terms(table.schema(), "test").as("t"))
        .collectAsList().stream().collect(Collectors.toMap(r -> r.getString(0), r -> r.getList(1)));
  }
}

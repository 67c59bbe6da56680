package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.SharedSpark;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delta Kernel's read of a table (jobs/run show without Spark) against Spark's read of it. */
class KernelTableTest {
  @TempDir Path tmp;

  private static final StructType SCHEMA =
      new StructType()
          .add("name", DataTypes.StringType)
          .add("small", DataTypes.IntegerType)
          .add("big", DataTypes.LongType)
          .add("ratio", DataTypes.DoubleType)
          .add("weight", DataTypes.FloatType)
          .add("ok", DataTypes.BooleanType)
          .add("price", DataTypes.createDecimalType(12, 2))
          .add("day", DataTypes.DateType)
          .add("at", DataTypes.TimestampType)
          .add("tags", DataTypes.createArrayType(DataTypes.StringType))
          .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType))
          .add("inner", new StructType().add("a", DataTypes.LongType).add("b", DataTypes.StringType))
          .add("raw", DataTypes.BinaryType)
          .add("ds", DataTypes.StringType);

  private static Row row(String name, String ds, Object... rest) {
    Object[] v = new Object[SCHEMA.size()];
    v[0] = name;
    System.arraycopy(rest, 0, v, 1, rest.length);
    v[SCHEMA.size() - 1] = ds;
    return RowFactory.create(v);
  }

  @Test
  void kernelReadsWhatSparkReads() {
    SparkSession spark = SharedSpark.get();
    String path = tmp.resolve("t").toString();
    List<Row> rows = List.of(
        row("a", "2026-11-19", 1, 5_000_000_000L, 0.1, 1.5f, true, new BigDecimal("12.30"), Date.valueOf("2026-11-19"),
            Timestamp.valueOf("2026-11-19 10:11:12.345"), List.of("x", "y"), Map.of("k", 2),
            RowFactory.create(7L, "s"), new byte[] {1, 2, 3}),
        row("b", "2026-11-19", -3, 7L, Double.NaN, 0.1f, false, new BigDecimal("0.05"), Date.valueOf("1999-01-02"),
            Timestamp.valueOf("1999-01-02 00:00:00"), List.of(), Map.of(), RowFactory.create(null, null), new byte[0]),
        row("c", "2026-11-20", null, null, null, null, null, null, null, null, null, null, null, null),
        row("d", "2026-11-20", 0, -1L, 1e300, -2.0f, true, new BigDecimal("-1.00"), Date.valueOf("2026-11-20"),
            Timestamp.valueOf("2026-11-20 23:59:59.999"), java.util.Arrays.asList("z", null), Map.of("m", -1),
            RowFactory.create(-5_000_000_000L, "t"), new byte[] {-1}));
    // Two files per ds: the counts add files up.
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).repartition(2);
    df.write().format("delta").partitionBy("ds").save(path);
    Dataset<Row> spark2 = spark.read().format("delta").load(path);

    KernelTable.Summary k = KernelTable.summarize(path, 100).orElseThrow();
    assertEquals(spark2.schema(), k.schema());
    assertEquals(Map.of("2026-11-19", 2L, "2026-11-20", 2L), k.rowsPerDs());
    assertEquals(4, k.rows());
    assertFalse(k.sample().truncated());
    ResultRows viaSpark = ResultRows.collect(spark2, 100);
    assertEquals(viaSpark.columns(), k.sample().columns());
    Comparator<Map<String, Object>> byName = Comparator.comparing(m -> (String) m.get("name"));
    List<Map<String, Object>> expected = viaSpark.rows().stream().sorted(byName).toList();
    List<Map<String, Object>> actual = k.sample().rows().stream().sorted(byName).toList();
    assertEquals(expected, actual);
    // The values Spark's JSON gives, spelled out for one row.
    Map<String, Object> a = actual.get(0);
    assertEquals(5_000_000_000L, a.get("big"));
    assertEquals(1, a.get("small"));
    assertEquals(12.3, a.get("price"));
    assertEquals("2026-11-19", a.get("day"));
    assertEquals("AQID", a.get("raw"));
    assertEquals("NaN", actual.get(1).get("ratio"));
  }

  @Test
  void sampleStopsAtTheLimitAndSaysSo() {
    SparkSession spark = SharedSpark.get();
    String path = tmp.resolve("n").toString();
    spark.range(0, 25).selectExpr("id", "'2026-11-19' AS ds").write().format("delta").partitionBy("ds").save(path);
    KernelTable.Summary k = KernelTable.summarize(path, 3).orElseThrow();
    assertEquals(25, k.rows());
    assertEquals(3, k.sample().rows().size());
    assertTrue(k.sample().truncated());
    assertEquals(3, new HashSet<>(k.sample().rows()).size());
    assertEquals(new TreeMap<>(Map.of("2026-11-19", 25L)), new TreeMap<>(k.rowsPerDs()));
  }

  @Test
  void whatKernelCannotReadIsLeftToSpark() {
    SparkSession spark = SharedSpark.get();
    String vectors = tmp.resolve("v").toString();
    StructType schema = new StructType().add("id", DataTypes.StringType).add("features", new VectorUDT());
    spark.createDataFrame(List.of(RowFactory.create("p", Vectors.sparse(4, new int[] {1}, new double[] {2.0}))), schema)
        .write().format("delta").save(vectors);
    assertEquals(Optional.empty(), KernelTable.summarize(vectors, 10).map(KernelTable.Summary::rows));
    assertEquals(Optional.empty(), KernelTable.summarize(tmp.resolve("none").toString(), 10));
    spark.range(3).write().parquet(tmp.resolve("plain").toString());
    assertEquals(Optional.empty(), KernelTable.summarize(tmp.resolve("plain").toString(), 10));
  }
}

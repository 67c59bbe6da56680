package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarehouseTest {
  private final SparkSession spark = SharedSpark.get();

  @Test
  void replacingAPartitionTouchesOnlyThatDate(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.toString());
    LocalDate d1 = LocalDate.of(2026, 1, 1);
    LocalDate d2 = LocalDate.of(2026, 1, 2);
    Dataset<Row> three = spark.range(3).toDF("n");
    assertEquals(3, w.replacePartition("t", three, d1));
    assertEquals(3, w.replacePartition("t", three, d2));
    assertEquals(2, w.replacePartition("t", spark.range(2).toDF("n"), d1));
    assertEquals(2, w.replacePartition("t", spark.range(2).toDF("n"), d1), "a rerun does not duplicate");
    assertEquals(2, w.read("t", d1).count());
    assertEquals(3, w.read("t", d2).count());
    assertEquals(List.of("t"), w.tables());
  }

  @Test
  void replaceAllCountsTheRowsOfEachCommit(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.toString());
    assertEquals(5, w.replaceAll("s", spark.range(5).toDF("n")));
    assertEquals(0, w.replaceAll("s", spark.range(0).toDF("n")), "an empty snapshot writes no rows");
    assertEquals(7, w.replaceAll("s", spark.range(7).toDF("n")));
    assertEquals(7, w.lastCommitRows("s"), "read again from the same commit");
    assertEquals(7, w.read("s").count());
  }
}

package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuarantineGateTest {
  private static final LocalDate DS = LocalDate.of(2026, 3, 1);
  private static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.StringType)
      .add("n", DataTypes.LongType)
      .add(Quarantine.REASON, DataTypes.StringType)
      .add(Quarantine.RAW, DataTypes.StringType);

  private final SparkSession spark = SharedSpark.get();

  private Dataset<Row> triaged(Object[]... rows) {
    List<Row> list = java.util.Arrays.stream(rows).map(RowFactory::create).collect(Collectors.toList());
    return spark.createDataFrame(list, SCHEMA);
  }

  private static List<String> strings(Dataset<Row> df, String... cols) {
    return df.selectExpr("concat_ws('|', " + String.join(", ", cols) + ") as s").orderBy("s")
        .collectAsList().stream().map(r -> r.getString(0)).collect(Collectors.toList());
  }

  private static List<String> quarantined(Warehouse w, String job) {
    return strings(w.read(Quarantine.TABLE).where(functions.col("job").equalTo(job)), "ds", Quarantine.REASON, Quarantine.RAW);
  }

  @Test
  void countsHandsOutTheGoodRowsWritesAllRejectsAndReleasesTheCache(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    Dataset<Row> shops = triaged(
        new Object[] {"s1", 3L, null, "r-s1"},
        new Object[] {"s2", 4L, "missing_key", "r-s2"},
        new Object[] {"s3", 5L, null, "r-s3"});
    Dataset<Row> days = triaged(
        new Object[] {"d1", 1L, "unknown_shop", "r-d1"},
        new Object[] {"d2", 2L, null, "r-d2"});
    long written;
    try (QuarantineGate gate = new QuarantineGate("job-a")) {
      QuarantineGate.Passed s = gate.pass("shops.csv", shops, 0.5, functions.sum("n"), functions.max("id"));
      assertEquals(StorageLevel.MEMORY_AND_DISK(), shops.storageLevel());
      assertEquals(3, s.total());
      assertEquals(1, s.rejectedCount());
      assertEquals(12L, s.extras().getLong(0));
      assertEquals("s3", s.extras().getString(1));
      assertEquals(List.of("s1|3", "s3|5"), strings(s.good(), "id", "n"));
      assertEquals(List.of("missing_key|r-s2"), strings(s.rejected(), Quarantine.REASON, Quarantine.RAW));
      QuarantineGate.Passed d = gate.pass("days.csv", days, 0.5);
      assertEquals(2, d.total());
      assertEquals(1, d.rejectedCount());
      assertEquals(0, d.extras().size());
      assertEquals(List.of("d2"), strings(d.good(), "id"));
      written = gate.writeRejects(w, DS);
    }
    assertEquals(2, written);
    assertEquals(StorageLevel.NONE(), shops.storageLevel());
    assertEquals(StorageLevel.NONE(), days.storageLevel());
    assertEquals(List.of("2026-03-01|missing_key|r-s2", "2026-03-01|unknown_shop|r-d1"), quarantined(w, "job-a"));

    // A rerun of the date replaces the job's rejects rather than adding to them.
    try (QuarantineGate gate = new QuarantineGate("job-a")) {
      gate.pass("days.csv", days, 0.5);
      assertEquals(1, gate.writeRejects(w, DS));
    }
    assertEquals(List.of("2026-03-01|unknown_shop|r-d1"), quarantined(w, "job-a"));
  }

  @Test
  void tooManyBadRowsFailBeforeAnythingIsWrittenAndReleaseTheCache(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    Dataset<Row> good = triaged(new Object[] {"a", 1L, "no_text", "r-a"}, new Object[] {"b", 1L, null, "r-b"});
    try (QuarantineGate gate = new QuarantineGate("job-b")) {
      gate.pass("first", good, 0.5);
      gate.writeRejects(w, DS);
    }
    Dataset<Row> ok = triaged(new Object[] {"x", 1L, null, "r-x"});
    Dataset<Row> bad = triaged(
        new Object[] {"c", 1L, "no_text", "r-c"},
        new Object[] {"d", 1L, null, "r-d"},
        new Object[] {"e", 1L, "duplicate_id", "r-e"},
        new Object[] {"f", 1L, "no_text", "r-f"});
    JobFailedException e = assertThrows(JobFailedException.class, () -> {
      try (QuarantineGate gate = new QuarantineGate("job-b")) {
        gate.pass("ok", ok, 0.5);
        gate.pass("products.jsonl", bad, 0.5);
        gate.writeRejects(w, DS);
      }
    });
    assertEquals("job-b: 3 of 4 rows of products.jsonl (75.00%) are bad, more than the allowed 50.00%;"
        + " nothing was written. Sample:\n  no_text: r-c\n  duplicate_id: r-e\n  no_text: r-f", e.getMessage());
    assertEquals(List.of("2026-03-01|no_text|r-a"), quarantined(w, "job-b"));
    assertEquals(StorageLevel.NONE(), ok.storageLevel());
    assertEquals(StorageLevel.NONE(), bad.storageLevel());
  }

  @Test
  void aShareOfExactlyTheLimitPasses() {
    Dataset<Row> half = triaged(new Object[] {"a", 1L, "no_text", "r-a"}, new Object[] {"b", 1L, null, "r-b"});
    try (QuarantineGate gate = new QuarantineGate("job-c")) {
      QuarantineGate.Passed p = gate.pass("half", half, 0.5);
      assertEquals(List.of("b"), strings(p.good(), "id"));
    }
  }

  @Test
  void aCallerCountedInputIsCheckedAndKeptCachedByItsOwner(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    // A fold: the good row stands for 9 input rows.
    Dataset<Row> folded = triaged(new Object[] {"q", 9L, null, null}, new Object[] {null, 1L, "empty_query", "r-1"})
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      try (QuarantineGate gate = new QuarantineGate("job-d")) {
        QuarantineGate.Passed p = gate.passCounted("log", folded, 10, 1, 0.1);
        assertEquals(10, p.total());
        assertEquals(List.of("q"), strings(p.good(), "id"));
        assertEquals(1, gate.writeRejects(w, DS));
      }
      assertEquals(StorageLevel.MEMORY_AND_DISK(), folded.storageLevel());
      JobFailedException e = assertThrows(JobFailedException.class, () -> {
        try (QuarantineGate gate = new QuarantineGate("job-d")) {
          gate.passCounted("log", folded, 5, 1, 0.1);
        }
      });
      assertEquals("job-d: 1 of 5 rows of log (20.00%) are bad, more than the allowed 10.00%;"
          + " nothing was written. Sample:\n  empty_query: r-1", e.getMessage());
    } finally {
      folded.unpersist();
    }
    assertEquals(List.of("2026-03-01|empty_query|r-1"), quarantined(w, "job-d"));
  }

  @Test
  void writingWithNoInputIsRefused(@TempDir Path dir) {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    try (QuarantineGate gate = new QuarantineGate("job-e")) {
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> gate.writeRejects(w, DS));
      assertEquals("job-e: no input passed the quarantine gate, nothing to write", e.getMessage());
    }
  }
}

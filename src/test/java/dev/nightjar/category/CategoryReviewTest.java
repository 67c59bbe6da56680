package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CategoryReviewTest {
  private static final StructType PREDICTIONS = new StructType()
      .add("product_id", DataTypes.StringType)
      .add("category", DataTypes.StringType)
      .add("level_scores", DataTypes.createArrayType(DataTypes.DoubleType, false))
      .add("model_version", DataTypes.StringType);

  private static Dataset<Row> predictions(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r[0], r[1], r[2], "v1"));
    }
    return SharedSpark.get().createDataFrame(out, PREDICTIONS);
  }

  private static Double[] s(Double... v) {
    return v;
  }

  private static final Dataset<Row> TONIGHT = predictions(
      new Object[] {"p1", "A > B", s(0.9, 0.9)},   // confident, unchanged
      new Object[] {"p2", "A > C", s(0.9, 0.4)},   // 0.36: low confidence
      new Object[] {"p3", "A > B", s(0.95, 0.8)},  // changed from A > C
      new Object[] {"p4", "F", s(0.3)},            // changed and low
      new Object[] {"p5", "A", s(0.6)},            // new product, confident enough
      new Object[] {"p6", "F", s(0.2)});           // new product, low

  private static final Dataset<Row> LAST_NIGHT = predictions(
      new Object[] {"p1", "A > B", s(0.9, 0.8)},
      new Object[] {"p2", "A > C", s(0.9, 0.3)},
      new Object[] {"p3", "A > C", s(0.9, 0.5)},
      new Object[] {"p4", "A", s(0.6)});

  /** rank, product, reason, category, previous category, as one string per row. */
  private static List<String> rows(Dataset<Row> queue) {
    List<String> out = new ArrayList<>();
    for (Row r : queue.orderBy("rank").collectAsList()) {
      out.add(r.getInt(0) + " " + r.getString(1) + " " + r.getString(2) + " " + r.getString(4) + " | " + r.getString(6));
    }
    return out;
  }

  @Test
  void queuesLowConfidenceAndChangedProductsByPriority() {
    Dataset<Row> q = CategoryReview.queue(TONIGHT, Optional.of(LAST_NIGHT), new CategoryReview.Options(0.5, 10));
    assertEquals(List.of(
        "1 p4 low_confidence,changed F | A",
        "2 p3 changed A > B | A > C",
        "3 p6 low_confidence F | null",
        "4 p2 low_confidence A > C | A > C"), rows(q));
    List<Row> r = q.orderBy("rank").collectAsList();
    // priority = (changed ? 1 : 0) + 1 - confidence
    assertEquals(1.7, r.get(0).getDouble(3), 1e-12);
    assertEquals(0.3, r.get(0).getDouble(5), 1e-12);
    assertEquals(0.6, r.get(0).getDouble(7), 1e-12);
    assertEquals(1 + 1 - 0.95 * 0.8, r.get(1).getDouble(3), 1e-12);
    assertEquals(0.45, r.get(1).getDouble(7), 1e-12);
    assertEquals(0.8, r.get(2).getDouble(3), 1e-12);
    assertTrue(r.get(2).isNullAt(7));
    assertEquals(1 - 0.9 * 0.4, r.get(3).getDouble(3), 1e-12);
    assertEquals("v1", r.get(3).getString(8));
  }

  @Test
  void capsTheQueueAndWorksWithoutAPreviousNight() {
    Dataset<Row> capped = CategoryReview.queue(TONIGHT, Optional.of(LAST_NIGHT), new CategoryReview.Options(0.5, 2));
    assertEquals(List.of("1 p4 low_confidence,changed F | A", "2 p3 changed A > B | A > C"), rows(capped));
    Dataset<Row> first = CategoryReview.queue(TONIGHT, Optional.empty(), new CategoryReview.Options(0.5, 10));
    assertEquals(List.of("1 p6 low_confidence F | null", "2 p4 low_confidence F | null", "3 p2 low_confidence A > C | null"),
        rows(first));
  }

  @Test
  void previousNightIsTheNewestPartitionBeforeTheRunDate(@TempDir Path dir) {
    Warehouse w = new Warehouse(SharedSpark.get(), dir.toString());
    LocalDate d1 = LocalDate.of(2026, 11, 1);
    assertTrue(CategoryReview.previousNight(w, "preds", d1).isEmpty());
    w.replacePartition("preds", LAST_NIGHT, d1);
    w.replacePartition("preds", TONIGHT, d1.plusDays(2));
    assertTrue(CategoryReview.previousNight(w, "preds", d1).isEmpty());
    assertEquals(4, CategoryReview.previousNight(w, "preds", d1.plusDays(2)).orElseThrow().count());
    assertEquals(6, CategoryReview.previousNight(w, "preds", d1.plusDays(5)).orElseThrow().count());
  }
}

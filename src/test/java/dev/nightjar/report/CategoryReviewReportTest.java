package dev.nightjar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.category.CategoryReview;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code category_review} extract: the run date's queue only, rank 1 first, with its settings. */
class CategoryReviewReportTest {
  private static final LocalDate D = LocalDate.of(2026, 11, 20);

  private static Dataset<Row> predictions(Object[]... rows) {
    List<Row> out = new ArrayList<>();
    for (Object[] r : rows) {
      out.add(RowFactory.create(r[0], r[1], r[2], "v1"));
    }
    return SharedSpark.get().createDataFrame(out, new StructType()
        .add("product_id", DataTypes.StringType)
        .add("category", DataTypes.StringType)
        .add("level_scores", DataTypes.createArrayType(DataTypes.DoubleType, false))
        .add("model_version", DataTypes.StringType));
  }

  @Test
  void extractsTheDaysQueueInRankOrderWithItsSettings(@TempDir Path wh) throws Exception {
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    Dataset<Row> lastNight = predictions(
        new Object[] {"p1", "A > B", new Double[] {0.9, 0.9}},
        new Object[] {"p3", "A > C", new Double[] {0.9, 0.5}});
    Dataset<Row> tonight = predictions(
        new Object[] {"p1", "A > B", new Double[] {0.9, 0.9}},  // confident, unchanged: not queued
        new Object[] {"p2", "A > C", new Double[] {0.9, 0.25}}, // low
        new Object[] {"p3", "A > B", new Double[] {0.9, 0.8}},  // changed
        new Object[] {"p4", "F", new Double[] {0.4}});          // low, new
    CategoryReview.Options o = new CategoryReview.Options(0.5, 10);
    // The night before has a queue of its own, which the extract of D leaves out.
    w.replacePartition(CategoryReview.TABLE, CategoryReview.queue(lastNight, Optional.empty(), o), D.minusDays(1));
    w.replacePartition(CategoryReview.TABLE, CategoryReview.queue(tonight, Optional.of(lastNight), o), D);

    Jobs.runApi(new ReportExtractsJob(), wh, D, Map.of("category.review.min-confidence", "0.5",
        "category.review.max-rows", "10", "category.corrections", "corrections.csv"), Map.of());

    Path day = wh.resolve("reports/ds=" + D);
    ObjectMapper json = new ObjectMapper();
    List<String> rows = new ArrayList<>();
    for (String line : Files.readAllLines(day.resolve("category_review.jsonl"))) {
      JsonNode r = json.readTree(line);
      rows.add(r.get("rank").asInt() + " " + r.get("product_id").asText() + " " + r.get("reason").asText() + " "
          + r.get("category").asText() + " " + Math.round(r.get("confidence").asDouble() * 1000) + " | "
          + r.path("previous_category").asText("-") + " " + Math.round(r.path("previous_confidence").asDouble(-1) * 1000)
          + " " + r.get("model_version").asText());
    }
    assertEquals(List.of(
        "1 p3 changed A > B 720 | A > C 450 v1",
        "2 p2 low_confidence A > C 225 | - -1000 v1",
        "3 p4 low_confidence F 400 | - -1000 v1"), rows);

    JsonNode settings = json.readTree(day.resolve(ReportExtractsJob.SETTINGS).toFile());
    assertEquals("{\"min_confidence\":0.5,\"max_rows\":10,\"corrections\":\"corrections.csv\"}",
        settings.get("category_review").toString());
    // No other table exists in this warehouse, so the queue is the only extract.
    assertEquals("{\"category_review\":3}", settings.get("extracts").toString());
  }
}

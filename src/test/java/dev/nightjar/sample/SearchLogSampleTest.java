package dev.nightjar.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobResult;
import dev.nightjar.search.EntropyJob;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sample search log, and the entropy job on it with its defaults (the README's first run). */
class SearchLogSampleTest {
  private static final LocalDate DS = LocalDate.of(2026, 11, 22);

  @Test
  void sampleSearchLogFeedsTheEntropyJob(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    JobResult sample = Jobs.runApi(new GenerateSampleJob(), wh, DS, Map.of("sample.products", "3000"), Map.of());
    long logRows = sample.rowsWritten().get(SearchLogSample.TABLE);
    Warehouse w = new Warehouse(SharedSpark.get(), wh.toString());
    assertEquals(List.of("product_id", "query", "searches"),
        List.of(w.read(SearchLogSample.TABLE).columns()).stream().sorted().toList());
    // Deterministic: the same seed writes the same log.
    List<Row> first = w.read(SearchLogSample.TABLE).orderBy("query", "product_id").collectAsList();
    Jobs.runApi(new GenerateSampleJob(), wh, DS, Map.of("sample.products", "3000", "sample.partitions", "3"), Map.of());
    assertEquals(first, w.read(SearchLogSample.TABLE).orderBy("query", "product_id").collectAsList());

    JobResult r = Jobs.runApi(new EntropyJob(), wh, DS, Map.of(), Map.of());
    assertEquals(logRows, r.metrics().get("input_rows"));
    long quarantined = r.rowsWritten().get(Quarantine.TABLE);
    assertTrue(quarantined > 0 && quarantined < 0.01 * logRows, "quarantined " + quarantined + " of " + logRows);
    assertTrue((Long) r.metrics().get(EntropyJob.EMPTY_QUERY) > 0, r.toString());
    assertTrue((Long) r.metrics().get(EntropyJob.UNKNOWN_PRODUCT) > 0, r.toString());
    // Generic words are broad at level 1, category words are not.
    assertTrue((Long) r.metrics().get("broad_l1") >= 20, r.toString());
    Row black = w.read(EntropyJob.OUTPUT, DS).where("query = 'black'").first();
    assertEquals(1, black.<Integer>getAs("broad_level"));
    assertEquals(6, black.getList(black.fieldIndex("show_categories")).size());
    long specific = w.read(EntropyJob.OUTPUT, DS).where("broad_level = 0 AND result_count >= 5").count();
    assertTrue(specific >= 50, "specific queries: " + specific);
  }
}

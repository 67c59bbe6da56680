package dev.nightjar.search;

import dev.nightjar.common.JobContext;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The search part of the report extracts: the day's {@value EntropyJob#OUTPUT} with each query's
 * search volume, counted from the day's search log by the rule the threshold calibration uses.
 */
public final class EntropyReport {
  public static final String EXTRACT = "query_entropy";

  private EntropyReport() {}

  /** The decision settings the notebooks mark on their plots. */
  public static Map<String, Object> settings(JobContext context) {
    QueryEntropy.Decision d = EntropyJob.Options.from(context.config(), Map.of()).decision();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", d.mode().name().toLowerCase(Locale.ROOT));
    m.put("threshold_l1", d.thresholdL1());
    m.put("threshold_l2", d.thresholdL2());
    m.put("min_results", d.minResults());
    m.put("max_categories", d.maxCategories());
    return m;
  }

  /** Hands {@value #EXTRACT} to {@code out} (nothing when the day has no entropy table). */
  public static void extract(JobContext context, LocalDate ds, BiConsumer<String, Dataset<Row>> out) {
    Warehouse w = Warehouse.of(context);
    if (!w.exists(EntropyJob.OUTPUT)) {
      return;
    }
    EntropyJob.Options o = EntropyJob.Options.from(context.config(), Map.of());
    try (EntropyJob.Computation c = EntropyJob.Computation.prepare(context, w, o.products(), o.searchLog(), ds)) {
      Dataset<Row> table = w.read(EntropyJob.OUTPUT, ds).drop(Warehouse.DS);
      Dataset<Row> volumes = c.entropies().queries().select(QueryEntropy.QUERY, QueryEntropy.VOLUME);
      out.accept(EXTRACT, table.join(volumes, new String[] {QueryEntropy.QUERY}, "left")
          .withColumn(QueryEntropy.VOLUME, functions.coalesce(functions.col(QueryEntropy.VOLUME), functions.lit(0L))));
    }
  }
}

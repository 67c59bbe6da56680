package dev.nightjar.report;

import static org.apache.spark.sql.functions.col;

import dev.nightjar.category.CategoryData;
import dev.nightjar.category.CategoryReview;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The review-queue part of the report extracts: the day's {@value CategoryReview#TABLE} (the
 * products predict-category queued for annotators) in rank order, and the settings that shape it:
 * the queue's threshold and cap, and where the next train-category reads the annotators'
 * corrections from.
 */
public final class CategoryReviewReport {
  public static final String EXTRACT = CategoryReview.TABLE;

  private CategoryReviewReport() {}

  /** The queue's settings and the corrections input, for the notebook to show. */
  public static Map<String, Object> settings(JobContext context) {
    CategoryReview.Options o = CategoryReview.Options.from(context.config());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("min_confidence", o.minConfidence());
    m.put("max_rows", o.maxRows());
    m.put("corrections", Settings.string(context.config(), CategoryData.CORRECTIONS));
    return m;
  }

  /** Hands {@value #EXTRACT} of {@code ds} to {@code out}, rank 1 first (nothing when the table does not exist). */
  public static void extract(JobContext context, LocalDate ds, BiConsumer<String, Dataset<Row>> out) {
    Warehouse w = Warehouse.of(context);
    if (!w.exists(CategoryReview.TABLE)) {
      return;
    }
    out.accept(EXTRACT, w.read(CategoryReview.TABLE, ds).drop(Warehouse.DS).orderBy(col("rank")));
  }
}

package dev.nightjar.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * The checks every job that reads products makes, in one place: adds column {@value
 * Quarantine#REASON} (null for a good row) and {@value Quarantine#RAW} (the row as JSON). Reasons:
 * a malformed input line, a missing id, no usable text after cleaning, and a duplicate id (of
 * the rows that are otherwise good, the first by content is kept, so reruns keep the same row).
 */
public final class ProductRows {
  public static final String MALFORMED = "malformed_record";
  public static final String MISSING_ID = "missing_product_id";
  public static final String DUPLICATE_ID = "duplicate_product_id";
  public static final String NO_TEXT = "no_usable_text";

  private ProductRows() {}

  /** The raw JSON of a normalized product input, taken before any column is added. */
  public static Dataset<Row> withRaw(Dataset<Row> normalized) {
    return normalized.withColumn(Quarantine.RAW, Quarantine.rawJson(normalized));
  }

  /**
   * Triages rows that have {@code tokensCol}. {@code extraReason} (may be null) is checked
   * after the text and before duplicates, e.g. a missing label.
   */
  public static Dataset<Row> triage(Dataset<Row> tokenized, String tokensCol, Column extraReason) {
    return triage(tokenized, functions.size(col(tokensCol)).equalTo(0), extraReason);
  }

  /** {@link #triage(Dataset, String, Column)}, {@code noText} true for a row without usable text. */
  public static Dataset<Row> triage(Dataset<Row> tokenized, Column noText, Column extraReason) {
    boolean hasCorrupt = Arrays.asList(tokenized.columns()).contains(Inputs.CORRUPT_RECORD);
    Column id = col(ProductText.PRODUCT_ID);
    Column reason =
        when(hasCorrupt ? col(Inputs.CORRUPT_RECORD).isNotNull() : lit(false), lit(MALFORMED))
            .when(id.isNull().or(functions.trim(id).equalTo("")), lit(MISSING_ID))
            .when(noText, lit(NO_TEXT));
    if (extraReason != null) {
      reason = functions.coalesce(reason, extraReason);
    }
    Dataset<Row> triaged = tokenized.withColumn(Quarantine.REASON, reason);
    // Good rows first, then by content: a good row ranked after another good one is a duplicate.
    // Partitioned by the id alone, so an input already hashed by id is not shuffled again.
    Column[] order =
        Stream.concat(Stream.of(col(Quarantine.REASON).isNull().desc()),
                Stream.concat(ProductText.FIELDS.stream(), Stream.of(Quarantine.RAW)).map(f -> col(f).asc_nulls_first()))
            .toArray(Column[]::new);
    Column rank = functions.row_number().over(Window.partitionBy(id).orderBy(order));
    return triaged.withColumn(
        Quarantine.REASON,
        when(col(Quarantine.REASON).isNull().and(rank.gt(1)), lit(DUPLICATE_ID))
            .otherwise(col(Quarantine.REASON)));
  }
}

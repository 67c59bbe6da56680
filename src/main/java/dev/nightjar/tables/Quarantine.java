package dev.nightjar.tables;

import dev.nightjar.common.JobFailedException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The table {@value #TABLE}: every input row a job refused, with the reason and the raw row as
 * JSON, partitioned by run date and job. A rerun replaces that job's rows for that date.
 */
public final class Quarantine {
  public static final String TABLE = "quarantine";
  public static final String REASON = "reason";
  public static final String RAW = "raw";

  private Quarantine() {}

  /** The raw row as JSON, for the quarantine's {@value #RAW} column. */
  public static Column rawJson(Dataset<Row> df) {
    Column[] cols = Arrays.stream(df.columns()).map(functions::col).toArray(Column[]::new);
    return functions.to_json(functions.struct(cols));
  }

  /** Writes this run's quarantined rows (columns {@value #REASON}, {@value #RAW}); may be empty. */
  public static long write(Warehouse warehouse, String job, LocalDate ds, Dataset<Row> rejected) {
    Map<String, String> partition = new LinkedHashMap<>();
    partition.put(Warehouse.DS, ds.toString());
    partition.put("job", job);
    return warehouse.replace(TABLE, rejected.select(REASON, RAW), partition);
  }

  /**
   * Fails the job when more than {@code maxShare} of the input was quarantined, naming the input,
   * the count and a sample. Called before anything is written, so a failed run changes nothing
   * (see {@link QuarantineGate}).
   */
  public static void checkShare(
      String job, String input, long total, Dataset<Row> rejected, long rejectedCount,
      double maxShare) {
    if (total == 0 || (double) rejectedCount / total <= maxShare) {
      return;
    }
    List<Row> sample = rejected.select(REASON, RAW).limit(5).collectAsList();
    StringBuilder sb = new StringBuilder();
    for (Row r : sample) {
      String raw = r.getString(1);
      if (raw != null && raw.length() > 200) {
        raw = raw.substring(0, 200) + "...";
      }
      sb.append("\n  ").append(r.getString(0)).append(": ").append(raw);
    }
    throw new JobFailedException(
        String.format(
            "%s: %d of %d rows of %s (%.2f%%) are bad, more than the allowed %.2f%%;"
                + " nothing was written. Sample:%s",
            job, rejectedCount, total, input, 100.0 * rejectedCount / total, 100.0 * maxShare, sb));
  }
}

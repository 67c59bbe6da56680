package dev.nightjar.tables;

import java.io.IOException;
import java.io.Writer;
import java.util.Iterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Rows as JSON Lines (one object per line), streamed to the driver a partition at a time. */
public final class JsonLines {
  private JsonLines() {}

  /** Writes every row of {@code df} to {@code out}; returns the number of rows. */
  public static long write(Dataset<Row> df, Writer out) throws IOException {
    long rows = 0;
    Iterator<String> it = df.toJSON().toLocalIterator();
    while (it.hasNext()) {
      out.write(it.next());
      out.write('\n');
      rows++;
    }
    return rows;
  }
}

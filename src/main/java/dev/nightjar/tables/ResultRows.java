package dev.nightjar.tables;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.Output;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The rows a command prints (sql, show): collected as JSON values with their real types (numbers
 * stay numbers, arrays and maps stay nested), then printed as an aligned table, JSON or CSV.
 */
public final class ResultRows {
  /** How rows are printed. */
  public enum Format { TABLE, JSON, CSV }

  private static final ObjectMapper PARSER = new ObjectMapper();
  private static final ObjectMapper COMPACT = new ObjectMapper();
  private static final String IGNORE_NULLS = "spark.sql.jsonGenerator.ignoreNullFields";

  private final List<String> columns;
  private final List<Map<String, Object>> rows;
  private final boolean truncated;

  ResultRows(List<String> columns, List<Map<String, Object>> rows, boolean truncated) {
    this.columns = columns;
    this.rows = rows;
    this.truncated = truncated;
  }

  /** At most {@code limit} rows of {@code df}; {@link #truncated()} says whether there were more. */
  @SuppressWarnings("unchecked")
  public static ResultRows collect(Dataset<Row> df, int limit) {
    SparkSession spark = df.sparkSession();
    String before = spark.conf().get(IGNORE_NULLS, "true");
    List<String> json;
    // Nulls are values too: keep them as JSON null rather than dropping the field. Only for this
    // collect, so other jobs sharing the session (jobs/nightly) write their JSON as before.
    spark.conf().set(IGNORE_NULLS, "false");
    try {
      json = df.limit(limit + 1).toJSON().collectAsList();
    } finally {
      spark.conf().set(IGNORE_NULLS, before);
    }
    List<String> columns = List.of(df.columns());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < Math.min(limit, json.size()); i++) {
      try {
        Map<String, Object> parsed = PARSER.readValue(json.get(i), LinkedHashMap.class);
        Map<String, Object> row = new LinkedHashMap<>();
        for (String c : columns) {
          row.put(c, parsed.get(c));
        }
        rows.add(row);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("Spark wrote a row that is not JSON: " + json.get(i), e);
      }
    }
    return new ResultRows(columns, rows, json.size() > limit);
  }

  public List<String> columns() {
    return columns;
  }

  public List<Map<String, Object>> rows() {
    return rows;
  }

  /** Whether the query had more rows than were collected. */
  public boolean truncated() {
    return truncated;
  }

  public void print(PrintStream out, Format format) {
    switch (format) {
      case JSON -> out.println(Output.json(rows));
      case CSV -> {
        out.println(String.join(",", columns.stream().map(Output::csv).toList()));
        for (Map<String, Object> r : rows) {
          out.println(String.join(",", columns.stream().map(c -> Output.csv(text(r.get(c)))).toList()));
        }
      }
      case TABLE -> {
        Output.Table t = new Output.Table(columns);
        for (Map<String, Object> r : rows) {
          List<Object> cells = new ArrayList<>();
          for (String c : columns) {
            Object v = r.get(c);
            cells.add(v instanceof Map || v instanceof List ? text(v) : v);
          }
          t.add(cells);
        }
        t.print(out);
      }
      default -> throw new IllegalArgumentException(format.toString());
    }
  }

  /** A value as one CSV field or table cell: nested values as compact JSON. */
  private static String text(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof Map || v instanceof List) {
      try {
        return COMPACT.writeValueAsString(v);
      } catch (JsonProcessingException e) {
        return v.toString();
      }
    }
    return v.toString();
  }
}

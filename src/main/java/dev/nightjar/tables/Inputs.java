package dev.nightjar.tables;

import dev.nightjar.common.JobFailedException;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Reads a job input named on the command line. The format is chosen by what the path is: a Delta
 * table (a directory with {@code _delta_log}), a Parquet directory, JSON Lines ({@code .jsonl},
 * {@code .jsonl.gz}, {@code .json}, {@code .ndjson}) or CSV with a header ({@code .csv}, {@code
 * .csv.gz}); a bare name is a table in the warehouse.
 */
public final class Inputs {
  /** Where malformed JSON or CSV lines land, so they can be quarantined instead of dropped. */
  public static final String CORRUPT_RECORD = "_corrupt_record";

  /** A warehouse table name, as opposed to a path. */
  static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private Inputs() {}

  public static Dataset<Row> read(Warehouse warehouse, String spec) {
    if (TABLE_NAME.matcher(spec).matches() && warehouse.exists(spec)) {
      return warehouse.read(spec);
    }
    var spark = warehouse.spark();
    Path path = new Path(spec);
    FileStatus status;
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw new JobFailedException(
            "Input " + spec + " not found: no such file or directory"
                + (TABLE_NAME.matcher(spec).matches()
                    ? ", and no table " + spec + " in warehouse " + warehouse.root()
                    : ""));
      }
      status = fs.getFileStatus(path);
      if (status.isDirectory()) {
        if (fs.exists(new Path(path, "_delta_log"))) {
          return spark.read().format("delta").load(spec);
        }
        String kind = directoryKind(fs, path);
        if (kind == null) {
          throw unsupported(spec);
        }
        return reader(warehouse, kind, spec);
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot read input " + spec + ": " + e.getMessage(), e);
    }
    String kind = fileKind(path.getName());
    if (kind == null) {
      throw unsupported(spec);
    }
    return reader(warehouse, kind, spec);
  }

  private static Dataset<Row> reader(Warehouse warehouse, String kind, String spec) {
    var r = warehouse.spark().read();
    return switch (kind) {
      case "json" ->
          r.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT_RECORD).json(spec);
      case "csv" ->
          r.option("header", "true")
              .option("multiLine", "true")
              .option("escape", "\"")
              .option("mode", "PERMISSIVE")
              .csv(spec);
      default -> r.parquet(spec);
    };
  }

  static String fileKind(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.endsWith(".gz")) {
      n = n.substring(0, n.length() - 3);
    }
    if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
      return "json";
    }
    if (n.endsWith(".csv")) {
      return "csv";
    }
    if (n.endsWith(".parquet")) {
      return "parquet";
    }
    return null;
  }

  private static String directoryKind(FileSystem fs, Path dir) throws IOException {
    for (FileStatus s : fs.listStatus(dir)) {
      String name = s.getPath().getName();
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      if (s.isDirectory()) {
        // Hive-style partition directories (ds=...) of a Parquet table.
        if (name.contains("=")) {
          String inner = directoryKind(fs, s.getPath());
          if (inner != null) {
            return inner;
          }
        }
        continue;
      }
      String k = fileKind(name);
      if (k != null) {
        return k;
      }
    }
    return null;
  }

  private static JobFailedException unsupported(String spec) {
    return new JobFailedException(
        "Cannot read input " + spec + ": expected a Delta table, a Parquet directory, JSON Lines"
            + " (.jsonl, .jsonl.gz) or CSV with a header (.csv), or a warehouse table name");
  }
}

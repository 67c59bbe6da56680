package dev.nightjar.tables;

import dev.nightjar.common.JobFailedException;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * The root under which every table lives, one Delta table per directory. Writes replace exactly
 * the partition a run owns in one Delta transaction: a rerun never duplicates rows, and a crash
 * before the commit leaves the previous snapshot readable.
 */
public final class Warehouse {
  /** The run-date partition column of nightly outputs. */
  public static final String DS = "ds";

  private final SparkSession spark;
  private final String root;

  public Warehouse(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  /** The warehouse of a job run: its {@code warehouse.root}, on the run's Spark session. */
  public static Warehouse of(dev.nightjar.common.JobContext context) {
    return new Warehouse(context.spark(), dev.nightjar.common.Settings.string(context.config(), "warehouse.root"));
  }

  public SparkSession spark() {
    return spark;
  }

  public String root() {
    return root;
  }

  public String tablePath(String table) {
    return tablePath(root, table);
  }

  /** Where table {@code table} lives under warehouse root {@code root} (no Spark needed). */
  public static String tablePath(String root, String table) {
    return (root.endsWith("/") ? root.substring(0, root.length() - 1) : root) + "/" + table;
  }

  public boolean exists(String table) {
    return DeltaTable.isDeltaTable(spark, tablePath(table));
  }

  /** Names of the Delta tables under the root. */
  public List<String> tables() {
    try {
      Path p = new Path(root);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        return List.of();
      }
      return java.util.Arrays.stream(fs.listStatus(p))
          .filter(s -> s.isDirectory())
          .map(s -> s.getPath().getName())
          .filter(this::exists)
          .sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new JobFailedException("Cannot list warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Fails with a usage error naming the path when the warehouse root does not exist: a wrong
   * {@code --warehouse} must not look like an empty warehouse.
   */
  public static void requireRoot(String root, org.apache.hadoop.conf.Configuration conf) {
    Path p = new Path(root);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new dev.nightjar.common.UsageException("No warehouse at " + fs.makeQualified(p)
            + ": it does not exist (give --warehouse DIR_OR_URI, or set warehouse.root)");
      }
    } catch (IOException e) {
      throw new dev.nightjar.common.UsageException("Cannot open warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /** Names of the Delta tables under the root, by their {@code _delta_log} (cheaper than {@link #tables}). */
  public List<String> deltaTableNames() {
    try {
      Path p = new Path(root);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      List<String> names = new java.util.ArrayList<>();
      for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(p)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_delta_log"))) {
          names.add(s.getPath().getName());
        }
      }
      java.util.Collections.sort(names);
      return names;
    } catch (IOException e) {
      throw new JobFailedException("Cannot list warehouse " + root + ": " + e.getMessage(), e);
    }
  }

  /** A table's path, fully qualified ({@code file:/...}, {@code hdfs://...}). */
  public String qualifiedPath(String table) {
    try {
      Path p = new Path(tablePath(table));
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
    } catch (IOException e) {
      throw new JobFailedException("Cannot resolve " + tablePath(table) + ": " + e.getMessage(), e);
    }
  }

  public Dataset<Row> read(String table) {
    if (!exists(table)) {
      throw new JobFailedException(
          "Table " + table + " does not exist in warehouse " + root
              + " (expected a Delta table at " + tablePath(table) + ")");
    }
    return spark.read().format("delta").load(tablePath(table));
  }

  /** One run date of a table partitioned by {@value #DS}. */
  public Dataset<Row> read(String table, LocalDate ds) {
    return read(table).where(functions.col(DS).equalTo(ds.toString()));
  }

  /**
   * Replaces the rows of one run date: {@code ds} is added as a partition column and everything
   * else in that partition is removed in the same transaction.
   */
  public long replacePartition(String table, Dataset<Row> rows, LocalDate ds) {
    return replacePartition(table, rows, ds, Map.of());
  }

  /**
   * {@link #replacePartition(String, Dataset, LocalDate)} with Delta write options, e.g. {@code
   * compression} (the Parquet codec of the files written).
   */
  public long replacePartition(String table, Dataset<Row> rows, LocalDate ds, Map<String, String> writeOptions) {
    Map<String, String> partition = new LinkedHashMap<>();
    partition.put(DS, ds.toString());
    return replace(table, rows, partition, writeOptions);
  }

  /**
   * Replaces the rows matching {@code partition} (column to value, in partition order) with
   * {@code rows}, in one Delta transaction.
   *
   * @return the number of rows written
   */
  public long replace(String table, Dataset<Row> rows, Map<String, String> partition) {
    return replace(table, rows, partition, Map.of());
  }

  private long replace(String table, Dataset<Row> rows, Map<String, String> partition, Map<String, String> writeOptions) {
    Dataset<Row> out = rows;
    StringBuilder where = new StringBuilder();
    for (Map.Entry<String, String> e : partition.entrySet()) {
      out = out.withColumn(e.getKey(), functions.lit(e.getValue()));
      if (where.length() > 0) {
        where.append(" AND ");
      }
      where.append('`').append(e.getKey()).append("` = '")
          .append(e.getValue().replace("'", "\\'")).append('\'');
    }
    out.write()
        .format("delta")
        .options(writeOptions)
        .mode(SaveMode.Overwrite)
        .partitionBy(partition.keySet().toArray(new String[0]))
        .option("replaceWhere", where.toString())
        .option("userMetadata", "nightjar " + where)
        .save(tablePath(table));
    return lastCommitRows(table);
  }

  /** Replaces a whole unpartitioned table (a snapshot) in one transaction. */
  public long replaceAll(String table, Dataset<Row> rows) {
    rows.write()
        .format("delta")
        .mode(SaveMode.Overwrite)
        .option("overwriteSchema", "true")
        .save(tablePath(table));
    return lastCommitRows(table);
  }

  /**
   * A private file-system instance for {@code path} that writes no {@code .crc} side files on a
   * local disk (model versions, report extracts: read by other tools). Private, because turning
   * checksums off in Hadoop's cached instance would change every other writer in the JVM: a file
   * rewritten without its checksum then sits beside the stale one and fails the next read. Close it
   * after use.
   */
  public static FileSystem withoutChecksums(Path path, org.apache.hadoop.conf.Configuration conf) throws IOException {
    FileSystem fs = FileSystem.newInstance(path.toUri(), conf);
    fs.setWriteChecksum(false);
    return fs;
  }

  /**
   * A fresh temporary directory beside {@code target} (same file system, so {@link #moveIntoPlace}
   * is a rename), named {@code .tmp-*} so that readers listing model versions never take it for one.
   */
  public static String tmpBeside(String target) {
    Path t = new Path(target);
    return new Path(t.getParent(), ".tmp-" + t.getName() + "-" + System.nanoTime()).toString();
  }

  /**
   * Renames the directory {@code tmp}, written completely, to {@code target}, replacing an older
   * one: a reader sees the old directory, none, or the new one whole, never a half-written one.
   */
  public void moveIntoPlace(String tmp, String target) throws IOException {
    Path t = new Path(target);
    FileSystem fs = t.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (fs.exists(t)) {
      fs.delete(t, true);
    }
    if (!fs.rename(new Path(tmp), t)) {
      throw new IOException("rename " + tmp + " to " + target + " failed");
    }
  }

  /**
   * The newest {@code ds=DATE} directory under {@code root} dated on or before {@code ds} (saved
   * models, exports), if any; with {@code complete}, only directories holding a {@code _SUCCESS}
   * marker count.
   */
  public static java.util.Optional<Path> latestDated(FileSystem fs, Path root, String ds, boolean complete)
      throws IOException {
    if (!fs.exists(root)) {
      return java.util.Optional.empty();
    }
    Path best = null;
    for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(root)) {
      String n = s.getPath().getName();
      if (s.isDirectory() && n.startsWith("ds=") && n.substring(3).compareTo(ds) <= 0
          && (best == null || n.compareTo(best.getName()) > 0)
          && (!complete || fs.exists(new Path(s.getPath(), "_SUCCESS")))) {
        best = s.getPath();
      }
    }
    return java.util.Optional.ofNullable(best);
  }

  /**
   * Rows written by the table's latest commit, from Delta's own operation metrics, read from the
   * commit file itself: a history query plans and runs Spark jobs for one number after every write.
   */
  public long lastCommitRows(String table) {
    String path = tablePath(table);
    long version = org.apache.spark.sql.delta.DeltaLog.forTable(spark, path).unsafeVolatileSnapshot().version();
    Path commit = new Path(new Path(path, "_delta_log"), String.format(java.util.Locale.ROOT, "%020d.json", version));
    try {
      FileSystem fs = commit.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (java.io.BufferedReader r = new java.io.BufferedReader(
          new java.io.InputStreamReader(fs.open(commit), java.nio.charset.StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.contains("\"commitInfo\"")) {
            com.fasterxml.jackson.databind.JsonNode info = COMMIT_JSON.readTree(line).path("commitInfo");
            if (!info.isMissingNode()) {
              com.fasterxml.jackson.databind.JsonNode rows = info.path("operationMetrics").path("numOutputRows");
              return rows.isMissingNode() ? 0L : Long.parseLong(rows.asText());
            }
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot read commit " + commit + " of table " + table, e);
    }
    return 0L;
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper COMMIT_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
}

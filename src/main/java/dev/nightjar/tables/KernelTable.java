package dev.nightjar.tables;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ArrayValue;
import io.delta.kernel.data.ColumnVector;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.MapValue;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.engine.FileReadResult;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.data.ScanStateRow;
import io.delta.kernel.internal.util.Utils;
import io.delta.kernel.types.ArrayType;
import io.delta.kernel.types.BinaryType;
import io.delta.kernel.types.BooleanType;
import io.delta.kernel.types.ByteType;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.DecimalType;
import io.delta.kernel.types.DoubleType;
import io.delta.kernel.types.FloatType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.MapType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StringType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.types.TimestampNTZType;
import io.delta.kernel.types.TimestampType;
import io.delta.kernel.utils.CloseableIterator;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One Delta table read without Spark, through Delta Kernel: its schema, its rows per {@code ds}
 * and its first rows, as {@code jobs/run show} prints them. A Spark start costs seconds; this
 * costs a log replay and the Parquet footers. Values come out as Spark's {@code toJSON} writes
 * them (dates as {@code yyyy-MM-dd}, timestamps in UTC, binary in Base64), so both paths print the
 * same. A table Kernel cannot read (a type it does not know, e.g. MLlib's vector) is empty, and
 * the caller reads it with Spark.
 */
public final class KernelTable {
  /** What show prints of one table. */
  public record Summary(org.apache.spark.sql.types.StructType schema, Map<String, Long> rowsPerDs, long rows,
      ResultRows sample) {}

  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIMESTAMP_NTZ = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

  private KernelTable() {}

  /**
   * The summary of the Delta table at {@code path} with at most {@code limit} sample rows, or
   * empty when there is no Delta table there or Kernel cannot read it.
   */
  public static Optional<Summary> summarize(String path, int limit) {
    Configuration conf = new Configuration();
    try {
      Path log = new Path(path, "_delta_log");
      FileSystem fs = log.getFileSystem(conf);
      if (!fs.exists(log)) {
        return Optional.empty();
      }
      Engine engine = DefaultEngine.create(conf);
      Snapshot snapshot = Table.forPath(engine, fs.makeQualified(new Path(path)).toString()).getLatestSnapshot(engine);
      StructType schema = snapshot.getSchema();
      org.apache.spark.sql.types.StructType sparkSchema =
          (org.apache.spark.sql.types.StructType) org.apache.spark.sql.types.DataType.fromJson(schema.toJson());
      boolean partitioned = snapshot.getPartitionColumnNames().contains(Warehouse.DS);
      Map<String, Long> perDs = new TreeMap<>();
      long total = count(engine, snapshot, schema, perDs);
      ResultRows sample = sample(engine, snapshot, schema, limit);
      return Optional.of(new Summary(sparkSchema, partitioned ? perDs : Map.of(), total, sample));
    } catch (IOException | RuntimeException e) {
      // Kernel does not read every table Spark wrote (e.g. a user-defined type): Spark will.
      return Optional.empty();
    }
  }

  /** Rows in all, and per ds partition value: read through the narrowest data column. */
  private static long count(Engine engine, Snapshot snapshot, StructType schema, Map<String, Long> perDs)
      throws IOException {
    List<String> partitions = snapshot.getPartitionColumnNames();
    StructField narrow = null;
    for (StructField f : schema.fields()) {
      if (!partitions.contains(f.getName()) && (narrow == null || width(f.getDataType()) < width(narrow.getDataType()))) {
        narrow = f;
      }
    }
    if (narrow == null) {
      throw new IllegalStateException("a table of partition columns only");
    }
    StructType readSchema = new StructType(List.of(narrow));
    long[] total = {0};
    scan(engine, snapshot, readSchema, (scanFile, batch) -> {
      long n = selected(batch);
      String ds = InternalScanFileUtils.getPartitionValues(scanFile).get(Warehouse.DS);
      perDs.merge(String.valueOf(ds), n, Long::sum);
      total[0] += n;
      return true;
    });
    return total[0];
  }

  private static ResultRows sample(Engine engine, Snapshot snapshot, StructType schema, int limit) throws IOException {
    List<String> columns = new ArrayList<>();
    for (StructField f : schema.fields()) {
      columns.add(f.getName());
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    boolean[] more = {false};
    scan(engine, snapshot, schema, (scanFile, batch) -> {
      ColumnarBatch data = batch.getData();
      Optional<ColumnVector> selection = batch.getSelectionVector();
      for (int i = 0; i < data.getSize(); i++) {
        if (selection.isPresent() && !(!selection.get().isNullAt(i) && selection.get().getBoolean(i))) {
          continue;
        }
        if (rows.size() == limit) {
          more[0] = true;
          return false;
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int c = 0; c < columns.size(); c++) {
          ColumnVector v = data.getColumnVector(c);
          row.put(columns.get(c), value(v, i));
        }
        rows.add(row);
      }
      return true;
    });
    return new ResultRows(columns, rows, more[0]);
  }

  /** Takes one batch of one scan file's rows; false stops the scan. */
  private interface BatchVisitor {
    boolean visit(Row scanFile, FilteredColumnarBatch batch) throws IOException;
  }

  private static void scan(Engine engine, Snapshot snapshot, StructType readSchema, BatchVisitor visitor)
      throws IOException {
    Scan scan = snapshot.getScanBuilder().withReadSchema(readSchema).build();
    Row state = scan.getScanState(engine);
    StructType physical = ScanStateRow.getPhysicalDataReadSchema(state);
    try (CloseableIterator<FilteredColumnarBatch> files = scan.getScanFiles(engine)) {
      while (files.hasNext()) {
        try (CloseableIterator<Row> fileRows = files.next().getRows()) {
          while (fileRows.hasNext()) {
            Row scanFile = fileRows.next();
            CloseableIterator<ColumnarBatch> physicalData =
                engine.getParquetHandler()
                    .readParquetFiles(
                        Utils.singletonCloseableIterator(InternalScanFileUtils.getAddFileStatus(scanFile)),
                        physical, Optional.empty())
                    .map(FileReadResult::getData);
            try (CloseableIterator<FilteredColumnarBatch> batches =
                Scan.transformPhysicalData(engine, state, scanFile, physicalData)) {
              while (batches.hasNext()) {
                if (!visitor.visit(scanFile, batches.next())) {
                  return;
                }
              }
            }
          }
        }
      }
    }
  }

  private static long selected(FilteredColumnarBatch batch) {
    Optional<ColumnVector> selection = batch.getSelectionVector();
    int size = batch.getData().getSize();
    if (selection.isEmpty()) {
      return size;
    }
    long n = 0;
    for (int i = 0; i < size; i++) {
      if (!selection.get().isNullAt(i) && selection.get().getBoolean(i)) {
        n++;
      }
    }
    return n;
  }

  /** A rough cost of reading one value of a type: picks the column counting reads. */
  private static int width(DataType t) {
    if (t instanceof BooleanType || t instanceof ByteType) {
      return 1;
    }
    if (t instanceof ShortType || t instanceof IntegerType || t instanceof DateType || t instanceof FloatType) {
      return 4;
    }
    if (t instanceof LongType || t instanceof DoubleType || t instanceof TimestampType
        || t instanceof TimestampNTZType || t instanceof DecimalType) {
      return 8;
    }
    if (t instanceof StringType || t instanceof BinaryType) {
      return 32;
    }
    return 1024;
  }

  /** One value as Spark's toJSON and Jackson's parse give it. */
  static Object value(ColumnVector v, int i) {
    if (v.isNullAt(i)) {
      return null;
    }
    DataType t = v.getDataType();
    if (t instanceof StringType) {
      return v.getString(i);
    }
    if (t instanceof BooleanType) {
      return v.getBoolean(i);
    }
    if (t instanceof ByteType) {
      return (int) v.getByte(i);
    }
    if (t instanceof ShortType) {
      return (int) v.getShort(i);
    }
    if (t instanceof IntegerType) {
      return v.getInt(i);
    }
    if (t instanceof LongType) {
      long l = v.getLong(i);
      return l == (int) l ? (Object) (int) l : (Object) l;
    }
    if (t instanceof FloatType) {
      return finite(Double.parseDouble(Float.toString(v.getFloat(i))));
    }
    if (t instanceof DoubleType) {
      return finite(v.getDouble(i));
    }
    if (t instanceof DecimalType) {
      return v.getDecimal(i).doubleValue();
    }
    if (t instanceof DateType) {
      return LocalDate.ofEpochDay(v.getInt(i)).toString();
    }
    if (t instanceof TimestampType) {
      return TIMESTAMP.format(micros(v.getLong(i)));
    }
    if (t instanceof TimestampNTZType) {
      return TIMESTAMP_NTZ.format(LocalDateTime.ofInstant(micros(v.getLong(i)), ZoneOffset.UTC));
    }
    if (t instanceof BinaryType) {
      return Base64.getEncoder().encodeToString(v.getBinary(i));
    }
    if (t instanceof ArrayType) {
      ArrayValue a = v.getArray(i);
      List<Object> out = new ArrayList<>(a.getSize());
      for (int k = 0; k < a.getSize(); k++) {
        out.add(value(a.getElements(), k));
      }
      return out;
    }
    if (t instanceof MapType) {
      MapValue m = v.getMap(i);
      Map<String, Object> out = new LinkedHashMap<>();
      for (int k = 0; k < m.getSize(); k++) {
        out.put(String.valueOf(value(m.getKeys(), k)), value(m.getValues(), k));
      }
      return out;
    }
    if (t instanceof StructType s) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (int k = 0; k < s.length(); k++) {
        out.put(s.at(k).getName(), value(v.getChild(k), i));
      }
      return out;
    }
    throw new IllegalStateException("no JSON form for Delta type " + t);
  }

  /** Jackson writes NaN and the infinities as quoted strings. */
  private static Object finite(double d) {
    return Double.isFinite(d) ? (Object) d : (Object) Double.toString(d);
  }

  private static Instant micros(long micros) {
    return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}

package dev.nightjar.evaluation;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Table {@value #TABLE}: one row per metric of one training run, with the run's verdict. Partitioned
 * by {@code ds} and {@code model}, and a run replaces its own (model, ds) rows, so rerunning a date
 * never duplicates history.
 */
public final class ModelMetrics {
  public static final String TABLE = "model_metrics";

  public static final StructType SCHEMA = new StructType()
      .add("metric", DataTypes.StringType, false)
      .add("value", DataTypes.DoubleType, true)
      .add("gated", DataTypes.BooleanType, false)
      .add("blessed", DataTypes.BooleanType, false)
      .add("reasons", DataTypes.createArrayType(DataTypes.StringType), false)
      .add("model_version", DataTypes.StringType, false)
      .add("model_path", DataTypes.StringType, false);

  /** Table {@value}: a run's holdout calibration, by {@code ds} and {@code model}. */
  public static final String CALIBRATION_TABLE = "model_calibration";

  public static final StructType CALIBRATION = new StructType()
      .add("bin", DataTypes.IntegerType, false)
      .add("rows", DataTypes.LongType, false)
      .add("mean_chance", DataTypes.DoubleType, true)
      .add("sold_rate", DataTypes.DoubleType, true);

  private ModelMetrics() {}

  /** Writes one run's calibration bins (rows of {@link #CALIBRATION}). */
  public static long writeCalibration(Warehouse w, String model, LocalDate ds, List<Row> bins) {
    Map<String, String> partition = new LinkedHashMap<>();
    partition.put(Warehouse.DS, ds.toString());
    partition.put("model", model);
    return w.replace(CALIBRATION_TABLE, w.spark().createDataFrame(bins, CALIBRATION), partition);
  }

  /** The gated metrics of the model's runs before {@code ds}, newest first, at most {@code limit} runs. */
  public static List<Map<String, Double>> history(Warehouse w, String model, LocalDate ds, int limit) {
    if (limit == 0 || !w.exists(TABLE)) {
      return List.of();
    }
    List<Row> rows = w.read(TABLE)
        .where(col("model").equalTo(model).and(col(Warehouse.DS).lt(ds.toString())).and(col("gated")))
        .select(Warehouse.DS, "metric", "value")
        .collectAsList();
    return history(rows, ds.toString(), limit);
  }

  /** The same from rows ({@code ds}, {@code metric}, {@code value}) of one model's gated metrics. */
  public static List<Map<String, Double>> history(List<Row> rows, String before, int limit) {
    TreeMap<String, Map<String, Double>> byDs = new TreeMap<>();
    for (Row r : rows) {
      if (r.getString(0).compareTo(before) < 0) {
        byDs.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>())
            .put(r.getString(1), r.isNullAt(2) ? Double.NaN : r.getDouble(2));
      }
    }
    List<Map<String, Double>> out = new ArrayList<>(byDs.descendingMap().values());
    return out.subList(0, Math.min(limit, out.size()));
  }

  /** Writes one run: every metric (gated or not) with the verdict. */
  public static long write(Warehouse w, String model, LocalDate ds, Map<String, Double> gated,
      Map<String, Double> informative, BlessingGate.Verdict verdict, String version, String path) {
    List<Row> rows = new ArrayList<>();
    gated.forEach((k, v) -> rows.add(RowFactory.create(k, v, true, verdict.blessed(),
        verdict.reasons().toArray(new String[0]), version, path)));
    informative.forEach((k, v) -> rows.add(RowFactory.create(k, v, false, verdict.blessed(),
        verdict.reasons().toArray(new String[0]), version, path)));
    Dataset<Row> df = w.spark().createDataFrame(rows, SCHEMA);
    Map<String, String> partition = new LinkedHashMap<>();
    partition.put(Warehouse.DS, ds.toString());
    partition.put("model", model);
    return w.replace(TABLE, df, partition);
  }

  /** One training run as {@value #TABLE} recorded it: its verdict, metrics and model directory. */
  public record Run(String ds, String version, String path, boolean blessed, List<String> reasons,
      Map<String, Double> metrics) {
    public Run {
      reasons = List.copyOf(reasons);
      metrics = Map.copyOf(metrics);
    }
  }

  /** The latest run of {@code model} at or before {@code ds}, blessed or not. */
  public static Optional<Run> latestRun(Warehouse w, String model, LocalDate ds) {
    if (!w.exists(TABLE)) {
      return Optional.empty();
    }
    List<Row> rows = w.read(TABLE)
        .where(col("model").equalTo(model).and(col(Warehouse.DS).leq(ds.toString())))
        .select(Warehouse.DS, "model_version", "model_path", "blessed", "reasons", "metric", "value")
        .collectAsList();
    String latest = rows.stream().map(r -> r.getString(0)).max(String::compareTo).orElse(null);
    if (latest == null) {
      return Optional.empty();
    }
    Map<String, Double> metrics = new TreeMap<>();
    Row first = null;
    for (Row r : rows) {
      if (r.getString(0).equals(latest)) {
        first = first == null ? r : first;
        metrics.put(r.getString(5), r.isNullAt(6) ? Double.NaN : r.getDouble(6));
      }
    }
    return Optional.of(new Run(latest, first.getString(1), first.getString(2), first.getBoolean(3),
        first.getList(4), metrics));
  }

  /** The latest run of {@code model} at or before {@code ds} that was blessed: its ds and version. */
  public static Optional<Row> latestBlessed(Warehouse w, String model, LocalDate ds) {
    if (!w.exists(TABLE)) {
      return Optional.empty();
    }
    List<Row> r = w.read(TABLE)
        .where(col("model").equalTo(model).and(col(Warehouse.DS).leq(ds.toString())).and(col("blessed")))
        .select(col(Warehouse.DS), col("model_version"), col("model_path"))
        .distinct()
        .orderBy(col(Warehouse.DS).desc())
        .limit(1)
        .collectAsList();
    return r.isEmpty() ? Optional.empty() : Optional.of(r.get(0));
  }

  public static Dataset<Row> read(Warehouse w, String model, LocalDate ds) {
    return w.read(TABLE, ds).where(col("model").equalTo(lit(model)));
  }
}

package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.Settings;
import dev.nightjar.evaluation.BlessingGate;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The budget part of the report extracts: every run's metrics up to the day with the z-score band
 * the blessing gate judged each gated metric against ({@link BlessingGate#band}), the runs'
 * calibration bins, and the day's recommendations.
 */
public final class BudgetReport {
  public static final String METRICS = "model_metrics";
  public static final String CALIBRATION = "model_calibration";
  public static final String RECOMMENDATIONS = "budget_recommendations";

  private static final StructType BANDS = new StructType()
      .add("model", DataTypes.StringType, false)
      .add(Warehouse.DS, DataTypes.StringType, false)
      .add("metric", DataTypes.StringType, false)
      .add("band_mean", DataTypes.DoubleType, true)
      .add("band_sd", DataTypes.DoubleType, true)
      .add("band_runs", DataTypes.IntegerType, false)
      .add("z", DataTypes.DoubleType, true);

  private BudgetReport() {}

  /** The monitoring settings the notebooks mark: thresholds, z-max, history, and budget.min-chance. */
  public static Map<String, Object> settings(JobContext context) {
    BlessingGate gate = BlessingGate.fromConfig(context.config(), TrainBudgetJob.MONITORING);
    List<Map<String, Object>> thresholds = new ArrayList<>();
    for (BlessingGate.Threshold t : gate.thresholds()) {
      thresholds.add(Map.of("metric", t.metric(), "kind", t.isMin() ? "min" : "max", "bound", t.bound()));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("thresholds", thresholds);
    m.put("z_max", gate.zMax());
    m.put("history", gate.history());
    m.put("min_chance", Settings.doubleIn(context.config(), RecommendBudgetJob.MIN_CHANCE, 0, 1));
    return m;
  }

  public static void extract(JobContext context, LocalDate ds, BiConsumer<String, Dataset<Row>> out) {
    Warehouse w = Warehouse.of(context);
    String day = ds.toString();
    if (w.exists(ModelMetrics.TABLE)) {
      Dataset<Row> metrics = w.read(ModelMetrics.TABLE).where(col(Warehouse.DS).leq(day));
      out.accept(METRICS, metrics.join(bands(context, w, metrics), new String[] {"model", Warehouse.DS, "metric"}, "left")
          .withColumn("reasons", functions.concat_ws("; ", col("reasons")))
          .orderBy("model", Warehouse.DS, "metric"));
    }
    if (w.exists(ModelMetrics.CALIBRATION_TABLE)) {
      out.accept(CALIBRATION, w.read(ModelMetrics.CALIBRATION_TABLE).where(col(Warehouse.DS).leq(day))
          .orderBy("model", Warehouse.DS, "bin"));
    }
    if (w.exists(RecommendBudgetJob.OUTPUT)) {
      out.accept(RECOMMENDATIONS, w.read(RecommendBudgetJob.OUTPUT, ds).drop(Warehouse.DS));
    }
  }

  /** Per model, run and gated metric: the band of the runs before it, as the gate saw it. */
  private static Dataset<Row> bands(JobContext context, Warehouse w, Dataset<Row> metrics) {
    BlessingGate gate = BlessingGate.fromConfig(context.config(), TrainBudgetJob.MONITORING);
    Map<String, List<Row>> byModel = new LinkedHashMap<>();
    for (Row r : metrics.where(col("gated")).select("model", Warehouse.DS, "metric", "value").collectAsList()) {
      byModel.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
          .add(RowFactory.create(r.getString(1), r.getString(2), r.isNullAt(3) ? null : r.getDouble(3)));
    }
    List<Row> bands = new ArrayList<>();
    byModel.forEach((model, rows) -> {
      for (Row r : rows) {
        BlessingGate.Band b = gate.band(r.getString(1), ModelMetrics.history(rows, r.getString(0), gate.history()));
        Double z = b == null || r.isNullAt(2) ? null : b.z(r.getDouble(2));
        bands.add(RowFactory.create(model, r.getString(0), r.getString(1), b == null ? null : b.mean(),
            b == null ? null : b.sd(), b == null ? 0 : b.runs(), z));
      }
    });
    return w.spark().createDataFrame(bands, BANDS);
  }
}

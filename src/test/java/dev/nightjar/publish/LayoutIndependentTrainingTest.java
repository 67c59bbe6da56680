package dev.nightjar.publish;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.budget.BudgetFeaturesJob;
import dev.nightjar.budget.BudgetModels;
import dev.nightjar.budget.TrainBudgetJob;
import dev.nightjar.common.JobResult;
import dev.nightjar.evaluation.ModelMetrics;
import dev.nightjar.sample.GenerateSampleJob;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same budget_features rows laid out two ways (one file in one order; seven files in
 * another, then rewritten by a second Delta commit) train bit-identical budget models: the
 * same weights, the same model_metrics and model_calibration values, the same publish print.
 */
class LayoutIndependentTrainingTest {
  private static final LocalDate DS = LocalDate.of(2026, 6, 30);
  private static final SparkSession SPARK = SharedSpark.get();
  @TempDir static Path dir;
  private static Dataset<Row> features;

  @BeforeAll
  static void generate() {
    Path wh = dir.resolve("source");
    Jobs.runApi(new GenerateSampleJob(), wh, DS, Map.of("sample.products", "20",
        "sample.budget.shops", "300", "sample.budget.days", "40"), Map.of());
    Jobs.runApi(new BudgetFeaturesJob(), wh, DS, Map.of(), Map.of());
    features = new Warehouse(SPARK, wh.toString()).read(BudgetFeaturesJob.OUTPUT, DS).drop(Warehouse.DS).cache();
  }

  private static Warehouse onefile(String name) {
    Warehouse w = new Warehouse(SPARK, dir.resolve(name).toString());
    w.replacePartition(BudgetFeaturesJob.OUTPUT, features.orderBy(col("shop_id"), col("as_of")).coalesce(1), DS);
    return w;
  }

  /** Seven files, rows grouped by hash and in reverse order, then replaced by a rewrite of itself. */
  private static Warehouse sevenFiles(String name) {
    Warehouse w = new Warehouse(SPARK, dir.resolve(name).toString());
    w.replacePartition(BudgetFeaturesJob.OUTPUT,
        features.repartition(7, col("campaign_id")).sortWithinPartitions(col("as_of").desc(), col("shop_id").desc()), DS);
    Dataset<Row> again = w.read(BudgetFeaturesJob.OUTPUT, DS).drop(Warehouse.DS).localCheckpoint();
    w.replacePartition(BudgetFeaturesJob.OUTPUT, again.repartition(5), DS);
    return w;
  }

  private static int files(Warehouse w) {
    File[] parquet = new File(w.tablePath(BudgetFeaturesJob.OUTPUT) + "/ds=" + DS)
        .listFiles((d, n) -> n.endsWith(".parquet"));
    return parquet == null ? 0 : parquet.length;
  }

  private static void train(Warehouse w, String... sets) {
    Map<String, String> m = new TreeMap<>();
    for (int i = 0; i < sets.length; i += 2) {
      m.put(sets[i], sets[i + 1]);
    }
    JobResult r = Jobs.runApi(new TrainBudgetJob(), Path.of(w.root()), DS, m, Map.of());
    assertTrue(r.rowsWritten().get(ModelMetrics.TABLE) > 0, r.toString());
  }

  /** Every row of a table's run-date partition as text, doubles by their bits, in a fixed order. */
  private static List<String> rows(Warehouse w, String table) {
    List<String> out = new ArrayList<>();
    for (Row r : w.read(table, DS).collectAsList()) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < r.size(); i++) {
        Object v = r.get(i);
        s.append(v instanceof Double d ? Long.toHexString(Double.doubleToRawLongBits(d)) + "(" + d + ")" : String.valueOf(v))
            .append('|');
      }
      out.add(s.toString());
    }
    out.sort(null);
    return out;
  }

  /** The coefficients and intercepts of the three saved models, in stage order. */
  private static List<double[]> weights(Warehouse w) {
    List<double[]> out = new ArrayList<>();
    for (String name : List.of(BudgetModels.RANGE, BudgetModels.CHANCE, BudgetModels.CPV)) {
      collect(BudgetModels.load(BudgetModels.dir(w, DS), name), out);
    }
    return out;
  }

  private static void collect(PipelineModel p, List<double[]> out) {
    for (Transformer t : p.stages()) {
      if (t instanceof PipelineModel inner) {
        collect(inner, out);
      } else if (t instanceof LinearRegressionModel m) {
        out.add(m.coefficients().toArray());
        out.add(new double[] {m.intercept()});
      } else if (t instanceof LogisticRegressionModel m) {
        out.add(m.coefficients().toArray());
        out.add(new double[] {m.intercept()});
      }
    }
  }

  private static String print(Warehouse w) throws IOException {
    return SourceFingerprint.of(FileSystem.getLocal(SPARK.sparkContext().hadoopConfiguration()),
        new org.apache.hadoop.fs.Path(BudgetModels.dir(w, DS)));
  }

  @Test
  void sameRowsInAnotherLayoutTrainBitIdenticalModelsMetricsAndPrint() throws IOException {
    Warehouse a = onefile("a");
    Warehouse b = sevenFiles("b");
    assertEquals(1, files(a));
    assertTrue(files(b) >= 5, "files of b: " + files(b));
    train(a);
    train(b);

    List<double[]> wa = weights(a);
    List<double[]> wb = weights(b);
    assertEquals(6, wa.size());
    for (int i = 0; i < wa.size(); i++) {
      assertArrayEquals(wa.get(i), wb.get(i), 0.0, "model weights " + i);
    }
    assertEquals(rows(a, ModelMetrics.TABLE), rows(b, ModelMetrics.TABLE));
    assertEquals(rows(a, "model_calibration"), rows(b, "model_calibration"));
    assertEquals(print(a), print(b));

    // The print stays strict: a real change of the model (fewer iterations) is a new print.
    Warehouse c = onefile("c");
    train(c, "budget.train.max-iter", "3");
    assertNotEquals(print(a), print(c));
  }
}

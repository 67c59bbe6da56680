package dev.nightjar.category;

import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Table {@value #TABLE}, partitioned by {@code ds} and {@code source} ({@value #HOLDOUT} from
 * training, {@value #PREDICT} when predict-category sees labels): one {@code overall} row, one
 * {@code level} row per depth (its accuracy) and one {@code category} row per true category.
 */
public final class CategoryMetrics {
  public static final String TABLE = "category_metrics";
  public static final String HOLDOUT = "holdout";
  public static final String PREDICT = "predict";
  /**
   * Table of train-category's holdout predictions, by {@code ds}: {@code product_id}, {@code
   * category} (true path), {@code predicted} (the greedy path without confidence stop), {@code
   * level_scores}, {@code model_version}; what the report extracts measure confusions and the
   * confidence stop on.
   */
  public static final String HOLDOUT_TABLE = "category_holdout";

  static final StructType SCHEMA = new StructType()
      .add("scope", DataTypes.StringType, false)
      .add("category", DataTypes.StringType)
      .add("level", DataTypes.IntegerType)
      .add("products", DataTypes.LongType)
      .add("hP", DataTypes.DoubleType)
      .add("hR", DataTypes.DoubleType)
      .add("hF", DataTypes.DoubleType)
      .add("exact", DataTypes.DoubleType)
      .add("accuracy", DataTypes.DoubleType)
      .add("macro_hF", DataTypes.DoubleType)
      .add("model_version", DataTypes.StringType);

  private CategoryMetrics() {}

  static long write(Warehouse w, LocalDate ds, String source, String modelVersion, HierarchicalMetrics.Report r) {
    List<Row> rows = new ArrayList<>();
    HierarchicalMetrics.Counts o = r.overall();
    rows.add(RowFactory.create("overall", null, null, o.products(), o.hP(), o.hR(), o.hF(), o.exactAccuracy(),
        null, r.macroHF(), modelVersion));
    for (int k = 0; k < r.levelAccuracy().length; k++) {
      rows.add(RowFactory.create("level", null, k + 1, null, null, null, null, null, r.levelAccuracy()[k], null, modelVersion));
    }
    for (HierarchicalMetrics.CategoryRow c : r.categories()) {
      HierarchicalMetrics.Counts n = c.counts();
      rows.add(RowFactory.create("category", c.category(), null, n.products(), n.hP(), n.hR(), n.hF(),
          n.exactAccuracy(), null, null, modelVersion));
    }
    Map<String, String> partition = new LinkedHashMap<>();
    partition.put(Warehouse.DS, ds.toString());
    partition.put("source", source);
    return w.replace(TABLE, w.spark().createDataFrame(rows, SCHEMA), partition);
  }

  /** The headline figures, for the model's metadata. */
  static Map<String, Object> asMap(HierarchicalMetrics.Report r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("hP", r.overall().hP());
    m.put("hR", r.overall().hR());
    m.put("hF", r.overall().hF());
    m.put("exact", r.overall().exactAccuracy());
    m.put("macro_hF", r.macroHF());
    m.put("products", r.overall().products());
    for (int k = 0; k < r.levelAccuracy().length; k++) {
      m.put("accuracy_level_" + (k + 1), r.levelAccuracy()[k]);
    }
    return m;
  }
}

package dev.nightjar.category;

import com.typesafe.config.Config;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductFeaturesTable;
import dev.nightjar.text.ProductFeaturizer;
import dev.nightjar.text.ProductText;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** What the category jobs share: their input (features or raw products), taxonomy resolution, model locations. */
public final class CategoryData {
  static final String FEATURES = "category.features";
  static final String LABELS = "category.labels";
  /** Why a labelled product is not trained on: it has no row in the features of the run date. */
  public static final String NO_FEATURES = "no_features";
  static final String MAX_QUARANTINE_SHARE = "category.max-quarantine-share";
  static final String TAXONOMY = "category.taxonomy";
  /** The human corrections train-category applies to the labels (the review queue's loop back). */
  public static final String CORRECTIONS = "category.corrections";
  /** Where train-category saves models: WAREHOUSE/trained/category/ds=DATE. */
  public static final String TRAINED_DIR = "trained/category";

  private CategoryData() {}

  /**
   * The input settings both jobs read the same way: the featurization of raw products
   * ({@code featurize.*}), the features table, training's labels, and the quarantine share.
   */
  public record Text(Featurization featurization, String features, String labels, double maxQuarantineShare) {
    public static Text from(Config c) {
      return new Text(Featurization.from(c), Settings.string(c, FEATURES), Settings.string(c, LABELS),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0, 1));
    }
  }

  /** Raw products featurized in process with {@code t}'s featurization (column {@value CategoryText#TOKENS}). */
  public static Dataset<Row> tokenize(Dataset<Row> products, String inputName, Text t) {
    return CategoryText.tokenize(products, inputName, t.featurization());
  }

  /**
   * The rows of {@code ds} in features {@code spec} (a warehouse table, or a path whose {@code ds}
   * column, when it has one, is filtered), as {@code product_id} and {@value CategoryText#TOKENS}
   * (their terms), with the featurization recorded in the schema. Before any data is read, that
   * featurization must equal {@code expected} (when not null: that of {@code expectedSource}, e.g.
   * a model); an error names both otherwise.
   */
  public static Features features(Warehouse w, String spec, java.time.LocalDate ds, Featurization expected,
      String expectedSource) {
    Dataset<Row> df = Inputs.read(w, spec);
    Featurization found;
    org.apache.spark.sql.Column terms;
    try {
      found = ProductFeaturizer.featurization(df.schema(), spec);
      terms = ProductFeaturesTable.terms(df.schema(), spec);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException(e.getMessage(), e);
    }
    if (expected != null && !found.equals(expected)) {
      throw new JobFailedException("Features " + spec + " were made with featurization " + found.describe()
          + ", but " + expectedSource + " needs " + expected.describe()
          + ": run jobs/run featurize with the same featurize.* settings, or train a model on these features");
    }
    if (java.util.Arrays.asList(df.columns()).contains(Warehouse.DS)) {
      df = df.where(functions.col(Warehouse.DS).equalTo(ds.toString()));
    }
    df = df.select(functions.col(ProductText.PRODUCT_ID), terms.as(CategoryText.TOKENS));
    if (df.isEmpty()) {
      throw new JobFailedException("Features " + spec + " have no rows for ds=" + ds + ": run jobs/run featurize --date "
          + ds + " first, or pass raw products");
    }
    return new Features(df, found);
  }

  /** Features read from a table: the rows and the featurization that made them. */
  public record Features(Dataset<Row> rows, Featurization featurization) {}

  /**
   * The taxonomy named by {@code spec}: a Google-format file, a warehouse table (columns id and
   * path), or, when blank, the tree derived from the distinct paths of {@code labels}.
   */
  static Taxonomy taxonomy(Warehouse w, String spec, Dataset<Row> labels, String labelCol) {
    if (spec.isBlank()) {
      List<String> paths =
          labels.where(functions.col(labelCol).isNotNull().and(functions.trim(functions.col(labelCol)).notEqual("")))
              .select(functions.col(labelCol).cast("string")).distinct().as(Encoders.STRING()).collectAsList();
      try {
        return Taxonomy.fromPaths(paths);
      } catch (IllegalArgumentException e) {
        throw new JobFailedException("Cannot derive a taxonomy from the labels: " + e.getMessage());
      }
    }
    if (new File(spec).isFile()) {
      try {
        return Taxonomy.parseGoogle(new File(spec).toPath());
      } catch (IllegalArgumentException e) {
        throw new JobFailedException("Cannot load taxonomy: " + e.getMessage());
      }
    }
    if (w.exists(spec)) {
      List<String> lines = new ArrayList<>();
      for (Row r : w.read(spec).select("id", "path").orderBy("path").collectAsList()) {
        lines.add(r.getLong(0) + " - " + r.getString(1));
      }
      return Taxonomy.parseGoogle(new java.io.StringReader(String.join("\n", lines)), "table " + spec);
    }
    throw new UsageException("Cannot set " + TAXONOMY + " to " + spec
        + ": expected a taxonomy file, a warehouse table, or \"\" to derive it from the labels");
  }

  public static Dataset<Row> read(Warehouse w, String spec) {
    return Inputs.read(w, spec);
  }

  /** The newest model under WAREHOUSE/trained/category trained on or before {@code ds}. */
  public static String latestModel(Warehouse w, String ds) {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(w.tablePath(CategoryData.TRAINED_DIR));
    try {
      org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(w.spark().sparkContext().hadoopConfiguration());
      return Warehouse.latestDated(fs, dir, ds, false).orElseThrow(() -> new dev.nightjar.common.JobFailedException(
          "No trained category model on or before " + ds + " under " + dir
              + "; run jobs/run train-category first or pass --model DIR")).toString();
    } catch (java.io.IOException e) {
      throw new dev.nightjar.common.JobFailedException("Cannot list models under " + dir + ": " + e.getMessage(), e);
    }
  }
}

package dev.nightjar.category;

import com.typesafe.config.Config;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** What the category jobs share: text settings, taxonomy resolution, model locations. */
public final class CategoryData {
  static final String DESCRIPTION_CHARS = "category.description-chars";
  static final String MAX_FIELD_CHARS = "category.max-field-chars";
  static final String MAX_QUARANTINE_SHARE = "category.max-quarantine-share";
  static final String TAXONOMY = "category.taxonomy";
  /** Where train-category saves models: WAREHOUSE/trained/category/ds=DATE. */
  public static final String TRAINED_DIR = "trained/category";

  private CategoryData() {}

  /** The text settings both jobs read the same way. */
  public record Text(int descriptionChars, int maxFieldChars, double maxQuarantineShare) {
    public static Text from(Config c) {
      return new Text(
          Settings.intIn(c, DESCRIPTION_CHARS, 0, Integer.MAX_VALUE),
          Settings.intIn(c, MAX_FIELD_CHARS, 1, Integer.MAX_VALUE),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0, 1));
    }
  }

  public static Dataset<Row> tokenize(Dataset<Row> products, String inputName, Text t) {
    return CategoryText.tokenize(products, inputName, t.descriptionChars(), t.maxFieldChars());
  }

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
}

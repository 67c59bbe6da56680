package dev.nightjar.category;

import dev.nightjar.text.Featurization;
import dev.nightjar.text.ProductColumns;
import dev.nightjar.text.ProductFeaturizer;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The terms the category model reads, column {@value #TOKENS}. They are defined once, by {@link
 * Featurization#analyze} (plain Java: {@code featurize}, these jobs, serving and the SavedModel's
 * input all call it); this class only brings them to the model, from raw products or from a model's
 * record.
 */
public final class CategoryText {
  /** The model's input column of terms. */
  public static final String TOKENS = "tokens";
  /** The key of the featurization in a model's {@link KeslerModel#info()}. */
  public static final String INFO_KEY = "featurization";

  private CategoryText() {}

  /**
   * Adds column {@value #TOKENS} (the model's terms) to any product input, through featurize's own
   * transformer ({@link ProductFeaturizer}); missing fields are empty.
   */
  public static Dataset<Row> tokenize(Dataset<Row> products, String inputName, Featurization f) {
    Dataset<Row> df = ProductColumns.normalize(products, inputName);
    return ProductFeaturizer.of(f, "_field_tokens", "_features", TOKENS).transform(df).drop("_field_tokens", "_features");
  }

  /** The featurization a model was trained with; an error naming the model when it records none. */
  public static Featurization of(KeslerModel model, String modelName) {
    Object f = model.info().get(INFO_KEY);
    if (!(f instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException("Model " + modelName + " records no featurization (metadata key "
          + INFO_KEY + "); it predates one featurization: train it again");
    }
    return Featurization.fromMap(m, "model " + modelName);
  }
}

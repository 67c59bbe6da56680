package dev.nightjar.category;

import dev.nightjar.text.ProductColumns;
import dev.nightjar.text.ProductText;
import dev.nightjar.text.TextCleaner;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * The terms the category model reads, from a product's fields, in plain Java so that the batch
 * jobs and the serving code build exactly the same input:
 *
 * <ul>
 *   <li>the tokens of every field, cleaned by {@link TextCleaner}, with the description cut to
 *       its first {@code descriptionChars} characters (long descriptions are mostly specification
 *       boilerplate that dilutes the title);
 *   <li>each title token again as {@code t:token}, so title words get weights of their own;
 *   <li>each pair of adjacent title tokens as {@code b:first_second}.
 * </ul>
 *
 * The prefixes cannot collide with plain tokens: the cleaner never emits {@code :} or {@code _}.
 * The terms are distinct (the model reads each once) and at most {@link #MAX_TERMS}, the first
 * ones in that order, so that a product's cost is bounded online and in batch alike.
 */
public final class CategoryText {
  public static final String TOKENS = "tokens";
  public static final String TITLE_PREFIX = "t:";
  public static final String BIGRAM_PREFIX = "b:";
  /**
   * Distinct terms per product beyond which the rest are dropped. The largest Flipkart product
   * has 116 (p99.9 96), so no real product is cut; the SavedModel compares a row's terms pairwise,
   * 256 terms cost it ~3 ms, 1,024 ~65 ms, a 10,000-word title (18,693 terms) 21 s.
   */
  public static final int MAX_TERMS = 256;

  private CategoryText() {}

  /** The model's terms for one product, its fields in the order of {@link ProductText#FIELDS}. */
  public static List<String> terms(List<String> fieldValues, int descriptionChars, int maxFieldChars) {
    List<String> values = new ArrayList<>(fieldValues);
    int d = ProductText.FIELDS.indexOf("description");
    values.set(d, ProductText.truncate(values.get(d), descriptionChars));
    List<String> out = ProductText.tokens(TextCleaner.DEFAULT, values, maxFieldChars);
    List<String> title = TextCleaner.DEFAULT.tokens(ProductText.truncate(values.get(0), maxFieldChars));
    for (String t : title) {
      out.add(TITLE_PREFIX + t);
    }
    for (int i = 0; i + 1 < title.size(); i++) {
      out.add(BIGRAM_PREFIX + title.get(i) + "_" + title.get(i + 1));
    }
    java.util.LinkedHashSet<String> distinct = new java.util.LinkedHashSet<>();
    for (int i = 0; i < out.size() && distinct.size() < MAX_TERMS; i++) {
      distinct.add(out.get(i));
    }
    return new ArrayList<>(distinct);
  }

  /** Adds column {@value #TOKENS} (the model's terms) to any product input; missing fields are empty. */
  public static Dataset<Row> tokenize(Dataset<Row> products, String inputName, int descriptionChars, int maxFieldChars) {
    Dataset<Row> df = ProductColumns.normalize(products, inputName);
    var udf = functions.udf(
        (UDF1<scala.collection.Seq<String>, String[]>) fields -> {
          List<String> values = new ArrayList<>(fields.size());
          for (int i = 0; i < fields.size(); i++) {
            values.add(fields.apply(i));
          }
          // An array: Spark converts it in one pass, a List through a growing buffer.
          return terms(values, descriptionChars, maxFieldChars).toArray(new String[0]);
        },
        DataTypes.createArrayType(DataTypes.StringType, false));
    Column[] cols = ProductText.FIELDS.stream().map(functions::col).toArray(Column[]::new);
    return df.withColumn(TOKENS, udf.apply(functions.array(cols)));
  }
}

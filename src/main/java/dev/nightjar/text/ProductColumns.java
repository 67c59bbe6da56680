package dev.nightjar.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Brings any product input to the columns featurization reads: {@code product_id} and every
 * {@link ProductText#FIELDS} column as a string. Missing fields become null; an array field (tags
 * as a JSON list) is joined as {@link ProductText#joinList} joins it (the serving side's rule too); other columns are kept as they are.
 */
public final class ProductColumns {
  private ProductColumns() {}

  public static Dataset<Row> normalize(Dataset<Row> input, String inputName) {
    List<String> names = Arrays.asList(input.columns());
    if (!names.contains(ProductText.PRODUCT_ID)) {
      throw new dev.nightjar.common.JobFailedException(
          "Input " + inputName + " has no column " + ProductText.PRODUCT_ID + "; found columns "
              + String.join(", ", names));
    }
    List<Column> cols = new ArrayList<>();
    for (StructField f : input.schema().fields()) {
      if (f.name().equals(ProductText.PRODUCT_ID) || ProductText.FIELDS.contains(f.name())) {
        cols.add(asString(f).as(f.name()));
      } else {
        cols.add(functions.col(f.name()));
      }
    }
    for (String field : ProductText.FIELDS) {
      if (!names.contains(field)) {
        cols.add(functions.lit(null).cast(DataTypes.StringType).as(field));
      }
    }
    return input.select(cols.toArray(new Column[0]));
  }

  private static Column asString(StructField f) {
    Column c = functions.col(f.name());
    if (f.dataType() instanceof ArrayType) {
      return functions.concat_ws(ProductText.LIST_SEPARATOR, c.cast(DataTypes.createArrayType(DataTypes.StringType)));
    }
    return c.cast(DataTypes.StringType);
  }
}

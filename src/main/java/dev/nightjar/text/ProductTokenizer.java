package dev.nightjar.text;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Spark ML wrapper of {@link TextCleaner} (the cleaner of the default {@link Featurization}):
 * joins the tokens of several text columns into one {@code array<string>} column. Missing input columns are an error here; a job that tolerates them
 * adds them as empty first.
 */
public final class ProductTokenizer extends Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final StringArrayParam inputCols;
  private final Param<String> outputCol;
  private final IntParam maxFieldChars;

  public ProductTokenizer() {
    this(Identifiable.randomUID("productTokenizer"));
  }

  public ProductTokenizer(String uid) {
    this.uid = uid;
    this.inputCols = new StringArrayParam(this, "inputCols", "text columns whose tokens are joined, in order");
    this.outputCol = new Param<>(this, "outputCol", "output column of tokens (array<string>)");
    this.maxFieldChars =
        new IntParam(this, "maxFieldChars", "a field longer than this is cut to it before cleaning",
            ParamValidators.gtEq(1));
    setDefault(inputCols, ProductText.FIELDS.toArray(new String[0]));
    setDefault(outputCol, "tokens");
    setDefault(maxFieldChars, 102_400);
  }

  public static MLReader<ProductTokenizer> read() {
    return new DefaultParamsReader<>();
  }

  public static ProductTokenizer load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  public StringArrayParam inputCols() {
    return inputCols;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public IntParam maxFieldChars() {
    return maxFieldChars;
  }

  public ProductTokenizer setInputCols(String... cols) {
    set(inputCols, cols);
    return this;
  }

  public ProductTokenizer setOutputCol(String col) {
    set(outputCol, col);
    return this;
  }

  public ProductTokenizer setMaxFieldChars(int n) {
    set(maxFieldChars, n);
    return this;
  }

  public String[] getInputCols() {
    return getOrDefault(inputCols);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  public int getMaxFieldChars() {
    return (Integer) getOrDefault(maxFieldChars);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    int max = getMaxFieldChars();
    TextCleaner cleaner = Featurization.defaults().cleaner();
    UserDefinedFunction udf =
        functions.udf(
            (UDF1<scala.collection.Seq<String>, List<String>>)
                fields -> {
                  List<String> values = new ArrayList<>(fields.size());
                  for (int i = 0; i < fields.size(); i++) {
                    values.add(fields.apply(i));
                  }
                  return ProductText.tokens(cleaner, values, max);
                },
            DataTypes.createArrayType(DataTypes.StringType, false));
    String[] in = getInputCols();
    Column[] cols = new Column[in.length];
    for (int i = 0; i < in.length; i++) {
      cols[i] = functions.col(in[i]).cast(DataTypes.StringType);
    }
    return dataset.withColumn(getOutputCol(), udf.apply(functions.array(cols)));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    for (String c : getInputCols()) {
      if (!java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
        throw new IllegalArgumentException(
            "ProductTokenizer expected input column " + c + ", found columns "
                + String.join(", ", schema.fieldNames()));
      }
      DataType t = schema.apply(c).dataType();
      if (!(t instanceof org.apache.spark.sql.types.StringType)) {
        throw new IllegalArgumentException(
            "ProductTokenizer expected column " + c + " of type string, found " + t.simpleString());
      }
    }
    if (java.util.Arrays.asList(schema.fieldNames()).contains(getOutputCol())) {
      throw new IllegalArgumentException("Output column " + getOutputCol() + " already exists");
    }
    return schema.add(
        new StructField(
            getOutputCol(),
            DataTypes.createArrayType(DataTypes.StringType, false),
            true,
            org.apache.spark.sql.types.Metadata.empty()));
  }

  @Override
  public ProductTokenizer copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}

package dev.nightjar.text;

import java.util.List;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Like Spark's {@code HashingTF}, but with {@link FeatureHashing}'s FarmHash Fingerprint64 instead
 * of MurmurHash3, so TensorFlow's {@code StringToHashBucketFast} reproduces the indices. The output
 * column's metadata records the vector size ({@value #META_SIZE}) and hash ({@value #META_HASH}),
 * and Delta keeps column metadata, so every table written from it carries both.
 */
public final class FarmHashingTF extends org.apache.spark.ml.Transformer implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  public static final String META_SIZE = "nightjar.num_features";
  public static final String META_HASH = "nightjar.hash";
  public static final int DEFAULT_NUM_FEATURES = 1 << 18;

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final IntParam numFeatures;
  private final BooleanParam binary;

  public FarmHashingTF() {
    this(Identifiable.randomUID("farmHashingTF"));
  }

  public FarmHashingTF(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "input column of tokens (array<string>)");
    this.outputCol = new Param<>(this, "outputCol", "output column of term-frequency vectors");
    this.numFeatures =
        new IntParam(this, "numFeatures", "vector size; a token's index is fingerprint64 mod this",
            ParamValidators.gtEq(1));
    this.binary = new BooleanParam(this, "binary", "record presence (1.0) instead of counts");
    setDefault(inputCol, "tokens");
    setDefault(outputCol, "features");
    setDefault(numFeatures, DEFAULT_NUM_FEATURES);
    setDefault(binary, false);
  }

  public static MLReader<FarmHashingTF> read() {
    return new DefaultParamsReader<>();
  }

  public static FarmHashingTF load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  public IntParam numFeatures() {
    return numFeatures;
  }

  public BooleanParam binary() {
    return binary;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public FarmHashingTF setInputCol(String c) {
    set(inputCol, c);
    return this;
  }

  public FarmHashingTF setOutputCol(String c) {
    set(outputCol, c);
    return this;
  }

  public FarmHashingTF setNumFeatures(int n) {
    set(numFeatures, n);
    return this;
  }

  public FarmHashingTF setBinary(boolean b) {
    set(binary, b);
    return this;
  }

  public int getNumFeatures() {
    return (Integer) getOrDefault(numFeatures);
  }

  public boolean getBinary() {
    return (Boolean) getOrDefault(binary);
  }

  public String getInputCol() {
    return getOrDefault(inputCol);
  }

  public String getOutputCol() {
    return getOrDefault(outputCol);
  }

  /** The vector of one token list, exactly as the Spark column computes it. */
  public static SparseVector vector(List<String> tokens, int numFeatures, boolean binary) {
    FeatureHashing.SparseCounts c = FeatureHashing.termFrequencies(tokens, numFeatures, binary);
    return new SparseVector(c.size(), c.indices(), c.values());
  }

  /** The output column's metadata: Spark ML's attribute group plus the size and hash name. */
  public Metadata outputMetadata() {
    return new MetadataBuilder()
        .withMetadata(new AttributeGroup(getOutputCol(), getNumFeatures()).toMetadata())
        .putLong(META_SIZE, getNumFeatures())
        .putString(META_HASH, FeatureHashing.HASH_NAME)
        .build();
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    int n = getNumFeatures();
    boolean bin = getBinary();
    UserDefinedFunction udf =
        functions.udf(
            (UDF1<scala.collection.Seq<String>, Vector>)
                tokens -> {
                  if (tokens == null) {
                    return null;
                  }
                  FeatureHashing.SparseCounts c =
                      FeatureHashing.termFrequencies(tokens.size(), tokens::apply, n, bin);
                  return new SparseVector(c.size(), c.indices(), c.values());
                },
            SQLDataTypes.VectorType());
    return dataset.withColumn(
        getOutputCol(), udf.apply(functions.col(getInputCol())), outputMetadata());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    String in = getInputCol();
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(in)) {
      throw new IllegalArgumentException(
          "FarmHashingTF expected input column " + in + ", found columns "
              + String.join(", ", schema.fieldNames()));
    }
    DataType t = schema.apply(in).dataType();
    if (!(t instanceof ArrayType a && a.elementType() instanceof StringType)) {
      throw new IllegalArgumentException(
          "FarmHashingTF expected column " + in + " of type array<string>, found " + t.simpleString());
    }
    return schema.add(new StructField(getOutputCol(), SQLDataTypes.VectorType(), true, outputMetadata()));
  }

  @Override
  public FarmHashingTF copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}

package dev.nightjar.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@link ProductTokenizer} followed by {@link FarmHashingTF} in one pass: the same tokens and the
 * same vectors, but the tokens are hashed while they are still Java strings instead of being
 * converted to Spark's format and back, which roughly halves Spark's per-row overhead. Its
 * parameters are the two stages' (set them there). It also adds column {@value #TERMS}, the
 * classifier's terms of {@link Featurization#analyze} (the same call cleans the tokens), whose
 * metadata records the featurization ({@link #featurization(StructType, String)} reads it back).
 */
public final class ProductFeaturizer extends Transformer {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final ProductTokenizer tokenizer;
  private final FarmHashingTF hashing;
  private final Featurization featurization;
  private final String termsCol;

  /** The column of the classifier's terms. */
  public static final String TERMS = "terms";
  /** The key of the featurization's JSON in the terms column's metadata. */
  public static final String METADATA_KEY = "featurization";

  /** With the default featurization at the stages' field and vector sizes. */
  public ProductFeaturizer(ProductTokenizer tokenizer, FarmHashingTF hashing) {
    this(tokenizer, hashing,
        Featurization.defaults().withSizes(tokenizer.getMaxFieldChars(), hashing.getNumFeatures()), TERMS);
  }

  /** {@code featurization}'s sizes must be the stages'. */
  public ProductFeaturizer(ProductTokenizer tokenizer, FarmHashingTF hashing, Featurization featurization,
      String termsCol) {
    if (featurization.maxFieldChars() != tokenizer.getMaxFieldChars()
        || featurization.numFeatures() != hashing.getNumFeatures()) {
      throw new IllegalArgumentException("The featurization's sizes (max-field-chars " + featurization.maxFieldChars()
          + ", num-features " + featurization.numFeatures() + ") differ from the stages' ("
          + tokenizer.getMaxFieldChars() + ", " + hashing.getNumFeatures() + ")");
    }
    this.uid = Identifiable.randomUID("productFeaturizer");
    this.tokenizer = tokenizer;
    this.hashing = hashing;
    this.featurization = featurization;
    this.termsCol = termsCol;
  }

  /** The stages of {@code f}: tokens, features and terms columns as named. */
  public static ProductFeaturizer of(Featurization f, String tokensCol, String featuresCol, String termsCol) {
    return new ProductFeaturizer(
        new ProductTokenizer().setOutputCol(tokensCol).setMaxFieldChars(f.maxFieldChars()),
        new FarmHashingTF().setInputCol(tokensCol).setOutputCol(featuresCol).setNumFeatures(f.numFeatures()),
        f, termsCol);
  }

  public Featurization featurization() {
    return featurization;
  }

  /** The terms column's metadata: the featurization as JSON. */
  public static org.apache.spark.sql.types.Metadata metadata(Featurization f) {
    return new org.apache.spark.sql.types.MetadataBuilder().putString(METADATA_KEY, f.toJson()).build();
  }

  /**
   * The featurization recorded in {@code schema}'s column {@value #TERMS} (from the schema alone,
   * before any data is read); an error naming {@code source} when there is none.
   */
  public static Featurization featurization(StructType schema, String source) {
    if (!java.util.Arrays.asList(schema.fieldNames()).contains(TERMS)) {
      throw new IllegalArgumentException("Features " + source + " have no column " + TERMS
          + " (written by jobs/run featurize); found columns " + String.join(", ", schema.fieldNames()));
    }
    var md = schema.apply(TERMS).metadata();
    if (!md.contains(METADATA_KEY)) {
      throw new IllegalArgumentException("Column " + TERMS + " of features " + source
          + " records no featurization (expected metadata key " + METADATA_KEY + "); run jobs/run featurize again");
    }
    return Featurization.fromJson(md.getString(METADATA_KEY), "features " + source);
  }

  @Override
  public String uid() {
    return uid;
  }

  public ProductTokenizer tokenizer() {
    return tokenizer;
  }

  public FarmHashingTF hashing() {
    return hashing;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    Featurization f = featurization;
    int n = hashing.getNumFeatures();
    boolean bin = hashing.getBinary();
    StructType both = new StructType()
        .add("tokens", DataTypes.createArrayType(DataTypes.StringType, false))
        .add("features", SQLDataTypes.VectorType())
        .add("terms", DataTypes.createArrayType(DataTypes.StringType, false));
    var udf = functions.udf(
        (UDF1<scala.collection.Seq<String>, Row>) fields -> {
          List<String> values = new ArrayList<>(fields.size());
          for (int i = 0; i < fields.size(); i++) {
            values.add(fields.apply(i));
          }
          Featurization.Analysis a = f.analyze(values);
          List<String> tokens = a.tokens();
          // Each token is encoded to UTF-8 once, for its hash and for Spark's string (which would
          // otherwise encode it again); an array, as Spark converts it in one pass.
          int m = tokens.size();
          UTF8String[] utf8 = new UTF8String[m];
          int[] idx = new int[m];
          for (int i = 0; i < m; i++) {
            byte[] b = tokens.get(i).getBytes(StandardCharsets.UTF_8);
            utf8[i] = UTF8String.fromBytes(b);
            idx[i] = FeatureHashing.bucket(FeatureHashing.fingerprint(b), n);
          }
          FeatureHashing.SparseCounts c = FeatureHashing.counts(idx, n, bin);
          return RowFactory.create(utf8, new SparseVector(c.size(), c.indices(), c.values()),
              a.terms().toArray(new String[0]));
        }, both);
    String[] in = tokenizer.getInputCols();
    Column[] cols = new Column[in.length];
    for (int i = 0; i < in.length; i++) {
      cols[i] = functions.col(in[i]).cast(DataTypes.StringType);
    }
    String tmp = "_featurized";
    return dataset.withColumn(tmp, udf.apply(functions.array(cols)))
        .withColumn(tokenizer.getOutputCol(), functions.col(tmp + ".tokens"))
        .withColumn(hashing.getOutputCol(), functions.col(tmp + ".features"), hashing.outputMetadata())
        .withColumn(termsCol, functions.col(tmp + ".terms"), metadata(f))
        .drop(tmp);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StructType out = hashing.transformSchema(tokenizer.transformSchema(schema));
    if (java.util.Arrays.asList(out.fieldNames()).contains(termsCol)) {
      throw new IllegalArgumentException("Output column " + termsCol + " already exists");
    }
    return out.add(new org.apache.spark.sql.types.StructField(termsCol,
        DataTypes.createArrayType(DataTypes.StringType, false), true, metadata(featurization)));
  }

  @Override
  public ProductFeaturizer copy(ParamMap extra) {
    return new ProductFeaturizer(tokenizer.copy(extra), hashing.copy(extra), featurization, termsCol);
  }
}

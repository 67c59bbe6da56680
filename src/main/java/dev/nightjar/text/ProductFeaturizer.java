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
 * parameters are the two stages' (set them there).
 */
public final class ProductFeaturizer extends Transformer {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final ProductTokenizer tokenizer;
  private final FarmHashingTF hashing;

  public ProductFeaturizer(ProductTokenizer tokenizer, FarmHashingTF hashing) {
    this.uid = Identifiable.randomUID("productFeaturizer");
    this.tokenizer = tokenizer;
    this.hashing = hashing;
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
    int max = tokenizer.getMaxFieldChars();
    int n = hashing.getNumFeatures();
    boolean bin = hashing.getBinary();
    StructType both = new StructType()
        .add("tokens", DataTypes.createArrayType(DataTypes.StringType, false))
        .add("features", SQLDataTypes.VectorType());
    var udf = functions.udf(
        (UDF1<scala.collection.Seq<String>, Row>) fields -> {
          List<String> values = new ArrayList<>(fields.size());
          for (int i = 0; i < fields.size(); i++) {
            values.add(fields.apply(i));
          }
          List<String> tokens = ProductText.tokens(TextCleaner.DEFAULT, values, max);
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
          return RowFactory.create(utf8, new SparseVector(c.size(), c.indices(), c.values()));
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
        .drop(tmp);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return hashing.transformSchema(tokenizer.transformSchema(schema));
  }

  @Override
  public ProductFeaturizer copy(ParamMap extra) {
    return new ProductFeaturizer(tokenizer.copy(extra), hashing.copy(extra));
  }
}

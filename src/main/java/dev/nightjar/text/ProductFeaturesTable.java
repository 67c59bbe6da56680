package dev.nightjar.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The layout of table {@code product_features}, written by {@code featurize} and read by the
 * category jobs: {@code product_id}, {@value #TERMS} (the classifier's terms of {@link
 * Featurization#analyze}, joined by single spaces; its metadata records the featurization) and
 * {@value #FEATURES}, the hashed term-frequency vector of every field's tokens (binary, see {@link
 * #encode}; {@link #vector} reads it back).
 *
 * <p>Why (measured at 1M products, README): an array of strings or of ints is encoded by Parquet
 * value by value (28 terms and 19 vector entries a product), which cost as much as the
 * featurization; one string and one binary a row are written several times faster. The per-field
 * tokens are not stored: the terms hold them (the description cut to {@code description-chars}) and
 * the vector what they gave beyond. The cleaner never emits a space (rule 6 splits on it), so the
 * join is exact; {@link #terms(StructType, String)} splits it back, and also reads tables of the
 * earlier layout (terms as an array).
 */
public final class ProductFeaturesTable {
  public static final String TERMS = ProductFeaturizer.TERMS;
  public static final String FEATURES = "features";
  /** The stored columns after {@code product_id}, in order. */
  public static final List<String> COLUMNS = List.of(TERMS, FEATURES);
  static final String SEPARATOR = " ";
  /**
   * zstd: the terms are half their snappy size (68 MB for 1M products against 127) and read back
   * 20% faster, for the same write time (README).
   */
  public static final java.util.Map<String, String> WRITE_OPTIONS = java.util.Map.of("compression", "zstd");

  private ProductFeaturesTable() {}

  /** The type of each stored column of {@link #COLUMNS}. */
  static StructType storedType() {
    return new StructType()
        .add(TERMS, DataTypes.StringType, false)
        .add(FEATURES, DataTypes.BinaryType, false);
  }

  /**
   * Adds the stored columns of {@link #COLUMNS} to {@code products} (columns {@link
   * ProductText#FIELDS}, as strings), computed by {@link Featurization#analyze} in one call per row.
   * A product without usable text has an empty {@value #FEATURES} (see {@link #noText()}).
   */
  public static Dataset<Row> featurize(Dataset<Row> products, Featurization f) {
    int n = f.numFeatures();
    var udf = functions.udf((UDF1<scala.collection.Seq<String>, Row>) fields -> {
      List<String> values = new ArrayList<>(fields.size());
      for (int i = 0; i < fields.size(); i++) {
        values.add(fields.apply(i));
      }
      Featurization.Analysis a = f.analyze(values);
      List<String> tokens = a.tokens();
      int[] idx = new int[tokens.size()];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = FeatureHashing.bucket(FeatureHashing.fingerprint(tokens.get(i).getBytes(StandardCharsets.UTF_8)), n);
      }
      // Built as one UTF8String: Spark takes it as is, where a Java String is encoded again.
      return RowFactory.create(UTF8String.fromString(String.join(SEPARATOR, a.terms())),
          encode(FeatureHashing.counts(idx, n, false)));
    }, storedType());
    Column[] cols = ProductText.FIELDS.stream().map(c -> functions.col(c).cast(DataTypes.StringType)).toArray(Column[]::new);
    String tmp = "_product_features";
    return products.withColumn(tmp, udf.apply(functions.array(cols)))
        .withColumn(TERMS, functions.col(tmp + "." + TERMS), ProductFeaturizer.metadata(f))
        .withColumn(FEATURES, functions.col(tmp + "." + FEATURES))
        .drop(tmp);
  }

  /**
   * The classifier's terms of a table of this layout (or of the earlier one, terms as an array) as
   * an array of strings; an error naming {@code source} and the type found otherwise. Reads the
   * schema only.
   */
  public static Column terms(StructType schema, String source) {
    DataType t = field(schema, TERMS, source).dataType();
    Column c = functions.col(TERMS);
    if (t.equals(DataTypes.StringType)) {
      return SPLIT.apply(c.cast(DataTypes.BinaryType));
    }
    if (t instanceof ArrayType a && a.elementType().equals(DataTypes.StringType)) {
      return c;
    }
    throw new IllegalArgumentException("Column " + TERMS + " of features " + source
        + " should be a string of space-separated terms (or an array of them), found " + t.simpleString());
  }

  /**
   * The stored terms split on spaces into strings that share the row's bytes: Spark's {@code
   * split} decodes the string to UTF-16, runs a regex and encodes each part again, twice the cost.
   */
  private static final org.apache.spark.sql.expressions.UserDefinedFunction SPLIT = functions.udf(
      (UDF1<byte[], UTF8String[]>) ProductFeaturesTable::split,
      DataTypes.createArrayType(DataTypes.StringType, false));

  static UTF8String[] split(byte[] b) {
    if (b.length == 0) {
      return new UTF8String[0];
    }
    int n = 1;
    for (byte x : b) {
      if (x == ' ') {
        n++;
      }
    }
    UTF8String[] out = new UTF8String[n];
    int start = 0;
    int k = 0;
    for (int i = 0; i <= b.length; i++) {
      if (i == b.length || b[i] == ' ') {
        out[k++] = UTF8String.fromBytes(b, start, i - start);
        start = i + 1;
      }
    }
    return out;
  }

  /** True for a row of {@link #featurize} whose product has no usable text (no token at all). */
  public static Column noText() {
    return functions.length(functions.col(FEATURES)).equalTo(0);
  }

  /**
   * The vector's stored form: per entry, in increasing index order, the gap from the previous index
   * (the first from 0) and the count, each an unsigned LEB128 varint. One value per row: as two
   * arrays of ints (19 entries a product on average) Parquet's per-value encoding made the write
   * several times slower, and this is also 3 bytes an entry instead of 8.
   */
  static byte[] encode(FeatureHashing.SparseCounts c) {
    int[] idx = c.indices();
    double[] v = c.values();
    byte[] buf = new byte[idx.length * 10];
    int p = 0;
    int prev = 0;
    for (int i = 0; i < idx.length; i++) {
      p = varint(buf, p, idx[i] - prev);
      p = varint(buf, p, (int) v[i]);
      prev = idx[i];
    }
    return Arrays.copyOf(buf, p);
  }

  private static int varint(byte[] buf, int p, int value) {
    int x = value;
    while ((x & ~0x7F) != 0) {
      buf[p++] = (byte) ((x & 0x7F) | 0x80);
      x >>>= 7;
    }
    buf[p++] = (byte) x;
    return p;
  }

  /** The vector of a stored {@value #FEATURES} value, of {@code size} (the featurization's num-features). */
  public static org.apache.spark.ml.linalg.SparseVector vector(byte[] stored, int size) {
    int[] idx = new int[stored.length / 2];
    double[] v = new double[idx.length];
    int n = 0;
    int p = 0;
    int prev = 0;
    while (p < stored.length) {
      int[] r = new int[2];
      for (int part = 0; part < 2; part++) {
        int x = 0;
        int shift = 0;
        byte b;
        do {
          b = stored[p++];
          x |= (b & 0x7F) << shift;
          shift += 7;
        } while (b < 0);
        r[part] = x;
      }
      prev += r[0];
      idx[n] = prev;
      v[n++] = r[1];
    }
    return new org.apache.spark.ml.linalg.SparseVector(size, Arrays.copyOf(idx, n), Arrays.copyOf(v, n));
  }

  /**
   * Null when {@code schema} (of a table) has this layout's columns and types, else what differs,
   * e.g. a table written before it.
   */
  public static String layoutDifference(StructType schema) {
    List<String> problems = new ArrayList<>();
    for (StructField want : storedType().fields()) {
      if (!Arrays.asList(schema.fieldNames()).contains(want.name())) {
        problems.add("no column " + want.name());
      } else if (!schema.apply(want.name()).dataType().sameType(want.dataType())) {
        problems.add("column " + want.name() + " is " + schema.apply(want.name()).dataType().simpleString()
            + ", expected " + want.dataType().simpleString());
      }
    }
    return problems.isEmpty() ? null : String.join(", ", problems);
  }

  private static StructField field(StructType schema, String name, String source) {
    if (!Arrays.asList(schema.fieldNames()).contains(name)) {
      throw new IllegalArgumentException("Features " + source + " have no column " + name
          + " (written by jobs/run featurize); found columns " + String.join(", ", schema.fieldNames()));
    }
    return schema.apply(name);
  }
}

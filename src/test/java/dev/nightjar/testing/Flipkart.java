package dev.nightjar.testing;

import java.io.File;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/** The shared Flipkart catalog and its documented split (test fold: md5(normalised title) % 5 == 0). */
public final class Flipkart {
  private Flipkart() {}

  public static File products() {
    return new File(SharedSpark.sharedData(), "flipkart-products.jsonl.gz");
  }

  public static boolean available() {
    return products().isFile();
  }

  /** Title lower-cased, each run of characters outside [a-z0-9] replaced by one space, trimmed. */
  public static String normalisedTitle(String title) {
    return title == null ? "" : title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").trim();
  }

  public static boolean inTestFold(String title) {
    return inFold(title, 0);
  }

  /**
   * Whether md5(normalised title) % 5 == {@code fold}: fold 0 is the documented test fold, folds 1-4
   * the other four test folds of a 5-fold cross-validation by the same rule.
   */
  public static boolean inFold(String title, int fold) {
    try {
      byte[] d = MessageDigest.getInstance("MD5").digest(normalisedTitle(title).getBytes(StandardCharsets.UTF_8));
      return new BigInteger(1, d).mod(BigInteger.valueOf(5)).intValue() == fold;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Vendor split: a product is in the test fold when md5 of its normalised vendor % 5 == 0, so test
   * vendors never occur in training (a product without vendor falls back to the title rule).
   */
  public static boolean inVendorTestFold(String vendor, String title) {
    return inVendorFold(vendor, title, 0);
  }

  /** The vendor rule for test fold {@code fold} (0-4): md5 of the normalised vendor % 5 == fold. */
  public static boolean inVendorFold(String vendor, String title, int fold) {
    String v = normalisedTitle(vendor);
    return v.isEmpty() ? inFold(title, fold) : inFold(v, fold);
  }

  /** The catalog with a boolean column {@code test_fold} by {@link #inVendorTestFold}. */
  public static Dataset<Row> withVendorFold(SparkSession spark) {
    return withVendorFold(spark, 0);
  }

  /** The catalog with a boolean column {@code test_fold}: vendor fold {@code k} (0-4). */
  public static Dataset<Row> withVendorFold(SparkSession spark, int k) {
    var fold = functions.udf((org.apache.spark.sql.api.java.UDF2<String, String, Boolean>) (v, t) -> inVendorFold(v, t, k),
        DataTypes.BooleanType);
    return spark.read().json(products().getPath())
        .withColumn("test_fold", fold.apply(functions.col("vendor"), functions.col("title")));
  }

  /** The catalog with a boolean column {@code test_fold}. */
  public static Dataset<Row> withFold(SparkSession spark) {
    return withFold(spark, 0);
  }

  /** The catalog with a boolean column {@code test_fold}: title fold {@code k} (0-4; 0 is the documented one). */
  public static Dataset<Row> withFold(SparkSession spark, int k) {
    var fold = functions.udf((UDF1<String, Boolean>) t -> inFold(t, k), DataTypes.BooleanType);
    return spark.read().json(products().getPath()).withColumn("test_fold", fold.apply(functions.col("title")));
  }
}

package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nightjar.testing.SharedSpark;
import java.util.List;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The stored forms of product_features read back exactly. */
class ProductFeaturesTableTest {
  @Test
  void vectorRoundTripsThroughItsBinaryForm() {
    // Gaps and counts of one, two and three varint bytes, and the last index of the vector.
    int[] idx = {0, 5, 127, 128, 16_511, 16_512, 262_143};
    double[] counts = {1, 2, 127, 128, 1, 300, 1};
    FeatureHashing.SparseCounts c = new FeatureHashing.SparseCounts(262_144, idx, counts);
    byte[] stored = ProductFeaturesTable.encode(c);
    // 0:1, 5:2, 122:127 one byte each; 1:128 -> 1+2; 16383:1 -> 2+1; 1:300 -> 1+2; 245631:1 -> 3+1.
    assertEquals(2 + 2 + 2 + 3 + 3 + 3 + 4, stored.length);
    assertEquals(new SparseVector(262_144, idx, counts), ProductFeaturesTable.vector(stored, 262_144));
    assertEquals(new SparseVector(8, new int[0], new double[0]),
        ProductFeaturesTable.vector(ProductFeaturesTable.encode(new FeatureHashing.SparseCounts(8, new int[0], new double[0])), 8));
  }

  @Test
  void termsSplitBackIntoTheExactList() {
    StructType schema = new StructType().add("product_id", DataTypes.StringType).add("terms", DataTypes.StringType);
    Dataset<Row> df = SharedSpark.get().createDataFrame(List.of(
        RowFactory.create("a", "café t:café b:café_noir"),
        RowFactory.create("b", "one"),
        RowFactory.create("c", "")), schema);
    List<Row> rows = df.select(df.col("product_id"), ProductFeaturesTable.terms(df.schema(), "t")).orderBy("product_id")
        .collectAsList();
    assertEquals(List.of("café", "t:café", "b:café_noir"), rows.get(0).getList(1));
    assertEquals(List.of("one"), rows.get(1).getList(1));
    assertEquals(List.of(), rows.get(2).getList(1));
    assertArrayEquals(new Object[0], ProductFeaturesTable.split(new byte[0]));
  }

  @Test
  void termsOfAnotherTypeAreRefusedNamingIt() {
    StructType schema = new StructType().add("product_id", DataTypes.StringType).add("terms", DataTypes.IntegerType);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProductFeaturesTable.terms(schema, "/tmp/f"));
    assertEquals("Column terms of features /tmp/f should be a string of space-separated terms (or an array of them), "
        + "found int", e.getMessage());
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> ProductFeaturesTable.terms(new StructType().add("product_id", DataTypes.StringType), "/tmp/f"));
    assertEquals("Features /tmp/f have no column terms (written by jobs/run featurize); found columns product_id",
        none.getMessage());
  }
}

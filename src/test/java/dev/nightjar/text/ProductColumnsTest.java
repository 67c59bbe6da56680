package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nightjar.testing.SharedSpark;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** A list field becomes the same string in the batch input (Spark) and in a serving request (plain Java). */
class ProductColumnsTest {
  @Test
  void listFieldsJoinAlikeInSparkAndInJava() {
    SparkSession spark = SharedSpark.get();
    StructType schema = new StructType().add("product_id", DataTypes.StringType)
        .add("tags", DataTypes.createArrayType(DataTypes.StringType, true));
    List<List<String>> lists = List.of(List.of("red", "shoe"), Arrays.asList("a", null, "", "b"), List.of());
    List<Row> rows = List.of(RowFactory.create("p1", lists.get(0).toArray()), RowFactory.create("p2", lists.get(1).toArray()),
        RowFactory.create("p3", lists.get(2).toArray()));
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    List<Row> got = ProductColumns.normalize(df, "test").orderBy("product_id").select("tags", "title").collectAsList();
    assertEquals(List.of("red, shoe", "a, , b", ""), got.stream().map(r -> r.getString(0)).toList());
    assertEquals(List.of("red, shoe", "a, , b", ""), lists.stream().map(ProductText::joinList).toList());
    assertEquals(null, got.get(0).get(1));
  }
}

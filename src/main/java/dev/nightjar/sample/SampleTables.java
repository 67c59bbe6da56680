package dev.nightjar.sample;

import dev.nightjar.taxonomy.Taxonomy;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Spark views of the generators: generated in the executors, never collected on the driver. */
public final class SampleTables {
  public static final StructType PRODUCTS_SCHEMA =
      new StructType()
          .add("product_id", DataTypes.StringType)
          .add("title", DataTypes.StringType)
          .add("description", DataTypes.StringType)
          .add("collection", DataTypes.StringType)
          .add("tags", DataTypes.StringType)
          .add("vendor", DataTypes.StringType)
          .add("product_type", DataTypes.StringType)
          .add("category", DataTypes.StringType);

  public static final StructType TAXONOMY_SCHEMA =
      new StructType()
          .add("id", DataTypes.LongType, false)
          .add("name", DataTypes.StringType, false)
          .add("parent_id", DataTypes.LongType, true)
          .add("depth", DataTypes.IntegerType, false)
          .add("path", DataTypes.StringType, false)
          .add("is_leaf", DataTypes.BooleanType, false);

  private SampleTables() {}

  /** Products 0 to n-1 of the generator, in {@code partitions} slices. */
  public static Dataset<Row> products(
      SparkSession spark, ProductGenerator generator, long n, int partitions) {
    var bc = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).broadcast(generator);
    return spark
        .range(0, n, 1, partitions)
        .mapPartitions(
            (org.apache.spark.api.java.function.MapPartitionsFunction<Long, Row>)
                ids -> {
                  ProductGenerator g = bc.value();
                  return new java.util.Iterator<Row>() {
                    @Override
                    public boolean hasNext() {
                      return ids.hasNext();
                    }

                    @Override
                    public Row next() {
                      ProductGenerator.Product p = g.generate(ids.next());
                      return RowFactory.create(
                          p.productId(), p.title(), p.description(), p.collection(), p.tags(),
                          p.vendor(), p.productType(), p.category());
                    }
                  };
                },
            org.apache.spark.sql.Encoders.row(PRODUCTS_SCHEMA));
  }

  /** The taxonomy as a table: one row per category (the root excluded). */
  public static Dataset<Row> taxonomy(SparkSession spark, Taxonomy taxonomy) {
    List<Row> rows = new ArrayList<>();
    for (Taxonomy.Node n : taxonomy.nodes()) {
      if (n.index() == 0) {
        continue;
      }
      Long parent = n.parent() == 0 ? null : taxonomy.node(n.parent()).id();
      rows.add(RowFactory.create(n.id(), n.name(), parent, n.depth(), n.path(), taxonomy.isLeaf(n.index())));
    }
    return spark.createDataFrame(rows, TAXONOMY_SCHEMA);
  }
}

package dev.nightjar.sample;

import dev.nightjar.taxonomy.Taxonomy;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What every sample dataset builds on: the seed, the taxonomy, the product generator, the product
 * count and the partitioning of this run. {@link #products()} is the generated {@code products}
 * table as written.
 */
public record SampleWorld(
    long seed,
    Taxonomy taxonomy,
    ProductGenerator generator,
    long productCount,
    int partitions,
    Dataset<Row> products) {}

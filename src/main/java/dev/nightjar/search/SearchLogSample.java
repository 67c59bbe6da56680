package dev.nightjar.search;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.sample.SampleDataset;
import dev.nightjar.sample.SampleWorld;
import dev.nightjar.tables.Warehouse;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * The sample {@value #TABLE} (query, product_id, searches): queries chosen from the words of the
 * generated product titles, each with its full result set (every product whose title has all the
 * query's words), all in Spark. Broad queries are generic words found in titles of many top-level
 * categories (adjectives, colors, sizes); specific ones are words of a single top-level category
 * and frequent word pairs. A few rows are bad on purpose (an empty query, an unknown product id),
 * well under the entropy job's default quarantine share.
 */
public final class SearchLogSample implements SampleDataset {
  public static final String TABLE = "search_log";

  /** How many queries of each kind, and the fewest products a specific query or pair must match. */
  static final int BROAD_WORDS = 40;
  static final int SPECIFIC_WORDS = 80;
  static final int PAIRS = 80;
  static final int MIN_PRODUCTS = 5;
  /** A generic word appears in titles of at least this many top-level categories. */
  static final int BROAD_MIN_TOPS = 3;
  /** About one row in this many gets an unknown product id, and one in this many an empty query. */
  static final int UNKNOWN_EVERY = 600;
  static final int EMPTY_EVERY = 800;

  @Override
  public String name() {
    return "search-log";
  }

  @Override
  public void write(JobContext context, SampleWorld world, Warehouse warehouse, JobResult.Builder result) {
    Column pid = col("product_id");
    Dataset<Row> words =
        world.products()
            .where(pid.isNotNull().and(pid.notEqual("")).and(col("category").isNotNull()))
            .select(
                pid,
                functions.element_at(functions.split(col("category"), " > "), 1).as("top"),
                functions.explode(functions.array_distinct(
                    functions.split(functions.lower(col("title")), "[^\\p{L}\\p{N}]+"))).as("word"))
            .where(functions.length(col("word")).geq(3).and(col("word").rlike("^\\p{L}+$")))
            .distinct()
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> stats =
          words.groupBy("word").agg(countDistinct(col("top")).as("tops"), count(lit(1)).as("products"));
      Dataset<Row> broad =
          stats.where(col("tops").geq(BROAD_MIN_TOPS))
              .orderBy(col("tops").desc(), col("products").desc(), col("word"))
              .limit(BROAD_WORDS)
              .select(col("word").as("query"), col("word"), lit(1).as("nwords"));
      Dataset<Row> specific =
          stats.where(col("tops").equalTo(1).and(col("products").geq(MIN_PRODUCTS)))
              .orderBy(col("products").desc(), col("word"))
              .limit(SPECIFIC_WORDS)
              .select(col("word").as("query"), col("word"), lit(1).as("nwords"));
      Dataset<Row> a = words.select(pid, col("word").as("w1"));
      Dataset<Row> b = words.select(pid, col("word").as("w2"));
      Dataset<Row> pairs =
          a.join(b, "product_id")
              .where(col("w1").lt(col("w2")))
              .groupBy("w1", "w2")
              .agg(count(lit(1)).as("products"))
              .where(col("products").geq(MIN_PRODUCTS))
              .orderBy(col("products").desc(), col("w1"), col("w2"))
              .limit(PAIRS)
              .select(functions.concat_ws(" ", col("w1"), col("w2")).as("query"),
                  functions.explode(functions.array(col("w1"), col("w2"))).as("word"), lit(2).as("nwords"));
      Dataset<Row> queryWords = broad.unionByName(specific).unionByName(pairs);
      // Every product whose title has all the query's words.
      Dataset<Row> results =
          queryWords.join(words.select(pid, col("word")), "word")
              .groupBy("query", "product_id", "nwords")
              .agg(count(lit(1)).as("matched"))
              .where(col("matched").equalTo(col("nwords")))
              .select(col("query"), pid);
      long seed = world.seed();
      Column searches = functions.pmod(functions.xxhash64(lit(seed), col("query")), lit(997L)).plus(1L);
      Column rowHash = functions.pmod(functions.xxhash64(lit(seed), col("query"), pid), lit(1_000_003L));
      Dataset<Row> good =
          results.select(
              col("query"),
              when(rowHash.mod(UNKNOWN_EVERY).equalTo(0), concat(lit("unknown-"), pid)).otherwise(pid).as("product_id"),
              searches.as("searches"));
      // Extra rows with an empty query, as a broken client would log them.
      Dataset<Row> empty =
          results.where(rowHash.mod(EMPTY_EVERY).equalTo(1))
              .select(lit("").as("query"), pid, lit(1L).as("searches"));
      long rows = warehouse.replaceAll(TABLE, good.unionByName(empty));
      result.rows(TABLE, rows);
    } finally {
      words.unpersist();
    }
  }
}

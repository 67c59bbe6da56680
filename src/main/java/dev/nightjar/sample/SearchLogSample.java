package dev.nightjar.sample;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Warehouse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
    // One row per product id with its distinct (word, top) entries sorted by word: one shuffle
    // feeds the word statistics, the word pairs and the result sets, so the rest needs no join.
    // (A product id on rows of two top-level categories keeps both entries, as a join of
    // (product_id, top, word) rows would see them.)
    Dataset<Row> entries =
        world.products()
            .where(pid.isNotNull().and(pid.notEqual("")).and(col("category").isNotNull()))
            .select(
                pid,
                functions.element_at(functions.split(col("category"), " > "), 1).as("top"),
                functions.explode(functions.array_distinct(
                    functions.split(functions.lower(col("title")), "[^\\p{L}\\p{N}]+"))).as("word"))
            .where(functions.length(col("word")).geq(3).and(col("word").rlike("^\\p{L}+$")))
            .groupBy(pid)
            .agg(functions.array_sort(functions.collect_set(
                functions.struct(col("word"), col("top")))).as("entries"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> stats =
          entries.select(functions.explode(col("entries")).as("e"))
              .groupBy(col("e.word").as("word"))
              .agg(countDistinct(col("e.top")).as("tops"), count(lit(1)).as("products"))
              .persist(StorageLevel.MEMORY_AND_DISK());
      List<Query> queries = new ArrayList<>();
      try {
        for (Row r : stats.where(col("tops").geq(BROAD_MIN_TOPS))
            .orderBy(col("tops").desc(), col("products").desc(), col("word"))
            .limit(BROAD_WORDS).select("word").collectAsList()) {
          queries.add(new Query(r.getString(0), List.of(r.getString(0))));
        }
        for (Row r : stats.where(col("tops").equalTo(1).and(col("products").geq(MIN_PRODUCTS)))
            .orderBy(col("products").desc(), col("word"))
            .limit(SPECIFIC_WORDS).select("word").collectAsList()) {
          queries.add(new Query(r.getString(0), List.of(r.getString(0))));
        }
      } finally {
        stats.unpersist();
      }
      // Every pair of entries (i < j) with different words: the pairs a self-join on product_id
      // with w1 < w2 would give. (Plain Java: Spark's lambda functions run interpreted.)
      StructType pairSchema = new StructType().add("w1", DataTypes.StringType).add("w2", DataTypes.StringType);
      Dataset<Row> pairs =
          entries.flatMap(
              (FlatMapFunction<Row, Row>) r -> {
                List<Row> words = r.getList(1);
                List<Row> out = new ArrayList<>();
                for (int i = 0; i < words.size(); i++) {
                  for (int j = i + 1; j < words.size(); j++) {
                    String w1 = words.get(i).getString(0);
                    String w2 = words.get(j).getString(0);
                    if (!w1.equals(w2)) {
                      out.add(RowFactory.create(w1, w2));
                    }
                  }
                }
                return out.iterator();
              },
              Encoders.row(pairSchema));
      for (Row r : pairs.groupBy("w1", "w2")
          .agg(count(lit(1)).as("products"))
          .where(col("products").geq(MIN_PRODUCTS))
          .orderBy(col("products").desc(), col("w1"), col("w2"))
          .limit(PAIRS).collectAsList()) {
        queries.add(new Query(r.getString(0) + " " + r.getString(1), List.of(r.getString(0), r.getString(1))));
      }
      // Every product whose title has all the query's words: its entries of those words number
      // exactly the query's words (the count a join on word, grouped by query and product, finds).
      List<Query> chosen = List.copyOf(queries);
      StructType resultSchema = new StructType().add("query", DataTypes.StringType).add("product_id", DataTypes.StringType);
      Dataset<Row> results =
          entries.flatMap(
              (FlatMapFunction<Row, Row>) r -> {
                Map<String, Integer> entriesOf = new HashMap<>();
                for (Row e : r.<Row>getList(1)) {
                  entriesOf.merge(e.getString(0), 1, Integer::sum);
                }
                List<Row> out = new ArrayList<>();
                for (Query q : chosen) {
                  int matched = 0;
                  for (String w : q.words()) {
                    matched += entriesOf.getOrDefault(w, 0);
                  }
                  if (matched == q.words().size()) {
                    out.add(RowFactory.create(q.text(), r.getString(0)));
                  }
                }
                return out.iterator();
              },
              Encoders.row(resultSchema));
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
      entries.unpersist();
    }
  }

  /** A query and its distinct words. */
  private record Query(String text, List<String> words) implements java.io.Serializable {}
}

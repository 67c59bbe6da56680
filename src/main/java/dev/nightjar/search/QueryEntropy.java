package dev.nightjar.search;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.common.JobFailedException;
import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The entropy computation of the {@code entropy} job, apart from its input checks so the
 * benchmark times exactly this. For query q with distinct results R (logarithms base 2):
 *
 * <ul>
 *   <li>level 1: r_i results in top-level category i, t_i catalog products in it; {@code
 *       entropy_count_l1} = H(r_i / |R|), {@code entropy_affinity_l1} = H(a_i / Σa) with a_i = r_i /
 *       t_i;
 *   <li>{@code top_category}: the top-level category with the most results, ties to the name that
 *       sorts first (code-point order);
 *   <li>level 2: the same two entropies over the children of {@code top_category}, counting only
 *       results that have a second level (0 when none do);
 *   <li>H(p) = −Σ p·log2(p) over non-zero p.
 * </ul>
 *
 * <p>Every step is a hash aggregation keyed by the query, after one shuffle of the log by query:
 * H is computed as log2(T) − Σ m·log2(m) / T from the measures m (results or affinities) and
 * their total T, which needs no second pass over the categories (exactly 0 for one category;
 * within 1e-13 of the term-by-term sum otherwise), and the level-2 sums of the top category are
 * picked with {@code max_by} in the same aggregation. Categories are numbered in name order so a
 * single long key orders "most results, then first name".
 */
public final class QueryEntropy {
  // Columns of the results this class reads.
  public static final String QUERY = "query";
  /** A hash of the spelling as logged: search volume is counted once per spelling. */
  public static final String RAW_HASH = "raw_hash";
  public static final String PRODUCT_ID = "product_id";
  /** A number per catalog product: deduplicating results on it shuffles 8 bytes, not an id string. */
  public static final String PRODUCT_NO = "product_no";
  public static final String TOP = "top";
  public static final String SUB = "sub";
  public static final String TOP_ID = "top_id";
  public static final String SUB_ID = "sub_id";
  public static final String SEARCHES = "searches";

  // Columns of the table query_entropy, in order.
  public static final String RESULT_COUNT = "result_count";
  public static final String TOP_CATEGORY = "top_category";
  public static final String COUNT_L1 = "entropy_count_l1";
  public static final String AFFINITY_L1 = "entropy_affinity_l1";
  public static final String COUNT_L2 = "entropy_count_l2";
  public static final String AFFINITY_L2 = "entropy_affinity_l2";
  public static final String BROAD_LEVEL = "broad_level";
  public static final String SHOW_CATEGORIES = "show_categories";

  /** Per query: search volume and the totals of both levels (results, affinities). */
  public static final String VOLUME = "volume";
  static final String N1 = "n1";
  static final String A1 = "a1";
  static final String N2 = "n2";
  static final String A2 = "a2";

  /** Top-level categories are numbered below this (the tie-break part of the ordering key). */
  static final long MAX_TOPS = 1L << 20;

  /** Which entropy decides. */
  public enum Mode {
    AFFINITY,
    COUNT;

    public static Mode parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** The level-1 and level-2 entropy columns of this mode. */
    public String l1() {
      return this == AFFINITY ? AFFINITY_L1 : COUNT_L1;
    }

    public String l2() {
      return this == AFFINITY ? AFFINITY_L2 : COUNT_L2;
    }
  }

  /** The decision settings. */
  public record Decision(Mode mode, double thresholdL1, double thresholdL2, long minResults, int maxCategories)
      implements Serializable {}

  private QueryEntropy() {}

  /** {@link QueryNormalizer#normalize} as a Spark function: the job and serving share one definition. */
  private static final UserDefinedFunction NORMALIZE =
      functions.udf((UDF1<String, String>) QueryNormalizer::normalize, DataTypes.StringType);

  public static Column normalize(Column query) {
    return NORMALIZE.apply(query);
  }

  /**
   * The levels of a category path column, normalized as {@link
   * dev.nightjar.taxonomy.Taxonomy#normalizePath} does (split at '>', names trimmed, inner
   * whitespace collapsed): {@value #TOP} (null for a null or empty path) and {@value #SUB} (null
   * when there is no second level).
   */
  public static Column[] levels(Column categoryPath) {
    Column parts =
        functions.transform(
            functions.split(categoryPath, ">"),
            x -> functions.regexp_replace(functions.trim(x), "\\s+", " "));
    Column top = functions.element_at(parts, 1);
    Column sub = when(functions.size(parts).geq(2), functions.element_at(parts, 2));
    return new Column[] {when(top.notEqual(""), top).as(TOP), when(sub.notEqual(""), sub).as(SUB)};
  }

  /**
   * The catalog's categories, numbered in name order, with their sizes: {@code tops} ({@value
   * #TOP_ID}, {@value #TOP}, {@code t}), {@code subs} ({@value #SUB_ID}, {@value #TOP_ID}, the
   * path {@code name} "top > sub", {@value #SUB}, {@code t}) and {@code products} ({@value #PRODUCT_ID},
   * {@value #PRODUCT_NO}, {@value
   * #TOP_ID}, {@value #SUB_ID}; null ids for a product without a category).
   */
  public record Categories(Dataset<Row> tops, Dataset<Row> subs, Dataset<Row> products) {
    /**
     * From a catalog of distinct products ({@value #PRODUCT_ID}, {@value #PRODUCT_NO}, {@value
     * #TOP}, {@value #SUB}).
     * The two small category tables are persisted (every later step joins them); release them
     * with {@link #unpersist}.
     */
    public static Categories of(Dataset<Row> catalog) {
      // Only the distinct category names go through these one-partition windows.
      Dataset<Row> tops =
          catalog.where(col(TOP).isNotNull()).groupBy(TOP).agg(count(lit(1)).as("t"))
              .withColumn(TOP_ID, functions.row_number().over(Window.orderBy(TOP)).minus(1))
              .select(TOP_ID, TOP, "t")
              .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> subs =
          catalog.where(col(TOP).isNotNull().and(col(SUB).isNotNull()))
              .groupBy(TOP, SUB).agg(count(lit(1)).as("t"))
              .withColumn(SUB_ID, functions.row_number().over(Window.orderBy(TOP, SUB)).minus(1))
              .join(broadcast(tops.select(TOP, TOP_ID)), TOP)
              .select(col(SUB_ID), col(TOP_ID), functions.concat_ws(" > ", col(TOP), col(SUB)).as("name"),
                  col(SUB), col("t"))
              .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> products =
          catalog.join(broadcast(tops.select(TOP, TOP_ID)), new String[] {TOP}, "left")
              .join(broadcast(subs.select(col(SUB_ID), col(TOP_ID).as("sub_top"), col(SUB).as("sub_name"))),
                  col(TOP_ID).equalTo(col("sub_top")).and(col(SUB).equalTo(col("sub_name"))), "left")
              .select(col(PRODUCT_ID), col(PRODUCT_NO), col(TOP_ID), col(SUB_ID));
      return new Categories(tops, subs, products);
    }

    public void unpersist() {
      tops.unpersist();
      subs.unpersist();
    }
  }

  /**
   * The per-query figures and the per-category cells they come from.
   *
   * @param cells distinct results per ({@value #QUERY}, {@value #TOP_ID}, {@value #SUB_ID}): {@code r}
   * @param queries per query: {@value #QUERY}, {@value #RESULT_COUNT}, {@value #TOP_ID}, {@value
   *     #TOP_CATEGORY}, the four entropies, {@value #VOLUME} and the totals {@value #N1}, {@value
   *     #A1}, {@value #N2}, {@value #A2}
   */
  public record Entropies(Dataset<Row> cells, Dataset<Row> queries, Categories categories) {}

  /**
   * The entropies of every query.
   *
   * @param results good search-log rows: {@value #QUERY} (normalized), {@value #PRODUCT_NO},
   *     {@value #TOP_ID} (not null), {@value #SUB_ID}; a product repeated for a query counts once
   * @param spellings the search volume of each logged spelling: {@value #QUERY}, {@value
   *     #RAW_HASH}, {@value #SEARCHES} (a normalized query's volume is the sum over its spellings
   *     of their largest {@value #SEARCHES})
   */
  public static Entropies entropies(Dataset<Row> results, Dataset<Row> spellings, Categories cats) {
    // One shuffle of the log by query: every aggregation below is keyed by the query (plus more),
    // so Spark keeps this partitioning instead of shuffling again.
    Dataset<Row> cells =
        results.select(QUERY, PRODUCT_NO, TOP_ID, SUB_ID)
            .repartition(col(QUERY))
            .distinct()
            .groupBy(QUERY, TOP_ID, SUB_ID).agg(count(lit(1)).as("r"));
    return new Entropies(cells, withVolume(queries(cells, cats), spellings), cats);
  }

  /**
   * Adds {@value #VOLUME} to per-query rows: the sum over the query's spellings of their largest
   * {@value #SEARCHES} (0 when none is known).
   */
  public static Dataset<Row> withVolume(Dataset<Row> queries, Dataset<Row> spellings) {
    Dataset<Row> volume =
        spellings.groupBy(QUERY, RAW_HASH).agg(max(SEARCHES).as(VOLUME))
            .groupBy(QUERY).agg(sum(VOLUME).as(VOLUME));
    return queries.join(volume, new String[] {QUERY}, "left")
        .withColumn(VOLUME, coalesce(col(VOLUME), lit(0L)));
  }

  private static Dataset<Row> queries(Dataset<Row> cells, Categories cats) {
    // Per (query, top-level category): its results and the level-2 sums over its children.
    Dataset<Row> subA = cells.join(broadcast(cats.subs().select(col(SUB_ID), col("t").as("t2"))), new String[] {SUB_ID}, "left")
        .withColumn("a2", col("r").divide(col("t2")));
    Column hasSub = col(SUB_ID).isNotNull();
    Dataset<Row> byTop =
        subA.groupBy(QUERY, TOP_ID)
            .agg(
                sum("r").as("r"),
                sum(when(hasSub, col("r"))).as("n2"),
                countSum(when(hasSub, col("r").multiply(functions.log(2.0, col("r"))))).as("s2c"),
                affinitySum(col("a2")).as("a2"),
                affinitySum(col("a2").multiply(functions.log(2.0, col("a2")))).as("s2a"),
                count(when(hasSub, 1)).as("k2"))
            .join(broadcast(cats.tops().select(col(TOP_ID), col("t"))), TOP_ID)
            .withColumn("a1", col("r").divide(col("t")))
            // Most results first, then the lowest id, which is the name that sorts first.
            .withColumn("key", col("r").multiply(MAX_TOPS).plus(lit(MAX_TOPS - 1).minus(col(TOP_ID))));
    Column key = col("key");
    Dataset<Row> perQuery =
        byTop.groupBy(QUERY)
            .agg(
                sum("r").as(N1),
                affinitySum(col("a1")).as(A1),
                countSum(col("r").multiply(functions.log(2.0, col("r")))).as("s1c"),
                affinitySum(col("a1").multiply(functions.log(2.0, col("a1")))).as("s1a"),
                count(lit(1)).as("k1"),
                max(key).as("key"),
                max_by(coalesce(col("n2"), lit(0L)), key).as(N2),
                max_by(coalesce(col("s2c"), lit(0.0)), key).as("s2c"),
                max_by(coalesce(col("a2"), lit(0.0)), key).as(A2),
                max_by(coalesce(col("s2a"), lit(0.0)), key).as("s2a"),
                max_by(col("k2"), key).as("k2"));
    Column topId = lit(MAX_TOPS - 1).minus(functions.pmod(col("key"), lit(MAX_TOPS))).cast(DataTypes.IntegerType);
    return perQuery
        .withColumn(TOP_ID, topId)
        .join(broadcast(cats.tops().select(col(TOP_ID), col(TOP).as(TOP_CATEGORY))), TOP_ID)
        .select(
            col(QUERY),
            col(N1).as(RESULT_COUNT),
            col(TOP_ID),
            col(TOP_CATEGORY),
            entropy(col(N1), col("s1c"), col("k1")).as(COUNT_L1),
            entropy(col(A1), col("s1a"), col("k1")).as(AFFINITY_L1),
            entropy(col(N2), col("s2c"), col("k2")).as(COUNT_L2),
            entropy(col(A2), col("s2a"), col("k2")).as(AFFINITY_L2),
            col(N1), col(A1), col(N2), col(A2));
  }

  /**
   * Sums of doubles in decimal arithmetic, which is exact and so independent of the order Spark
   * adds partial sums in: the same input gives the same bits on any cluster and partitioning
   * (double sums differed in the last bits between local mode and a standalone cluster).
   * Count terms r·log2(r) need integer digits; affinities (≤ 1 each) and their a·log2(a) need
   * fraction digits.
   */
  private static Column countSum(Column c) {
    return sum(c.cast("decimal(38,16)")).cast(DataTypes.DoubleType);
  }

  private static Column affinitySum(Column c) {
    return sum(c.cast("decimal(38,30)")).cast(DataTypes.DoubleType);
  }

  /**
   * H = −Σ (m/T)·log2(m/T) = log2(T) − Σ m·log2(m) / T over k categories with measures m and total
   * T: 0 for none or one category (exactly), never below 0 (rounding).
   */
  private static Column entropy(Column total, Column sumMLogM, Column k) {
    Column h = functions.log(2.0, total).minus(sumMLogM.divide(total));
    return when(k.leq(1), lit(0.0)).otherwise(functions.greatest(lit(0.0), h));
  }

  /** Checks the catalog has few enough top-level categories for the ordering key. */
  public static void checkTopCount(Categories cats) {
    long n = cats.tops().count();
    if (n >= MAX_TOPS) {
      throw new JobFailedException("The catalog has " + n + " top-level categories; at most " + (MAX_TOPS - 1)
          + " are supported");
    }
  }

  /** The type of {@value #SHOW_CATEGORIES}. */
  public static final DataType SHOW_TYPE =
      DataTypes.createArrayType(
          new StructType().add("category", DataTypes.StringType).add("share", DataTypes.DoubleType), false);

  /**
   * The table's columns: {@value #BROAD_LEVEL} by the decision rule and {@value #SHOW_CATEGORIES}
   * (up to {@code maxCategories} of the chosen level, best first by the deciding measure, ties by
   * name, each with its share; empty when not broad).
   */
  public static Dataset<Row> decide(Entropies e, Decision d) {
    boolean affinity = d.mode() == Mode.AFFINITY;
    Column level =
        when(col(RESULT_COUNT).lt(d.minResults()), lit(0))
            .when(col(d.mode().l1()).geq(d.thresholdL1()), lit(1))
            .when(col(d.mode().l2()).geq(d.thresholdL2()), lit(2))
            .otherwise(lit(0));
    Dataset<Row> leveled = e.queries().withColumn(BROAD_LEVEL, level);
    Dataset<Row> broad =
        leveled.where(col(BROAD_LEVEL).gt(0))
            .select(col(QUERY), col(BROAD_LEVEL), col(TOP_ID).as("best"),
                (affinity ? col(A1) : col(N1).cast(DataTypes.DoubleType)).as("tot1"),
                (affinity ? col(A2) : col(N2).cast(DataTypes.DoubleType)).as("tot2"));
    Categories cats = e.categories();
    Dataset<Row> cellsOfBroad = e.cells().join(broad.hint("shuffle_hash"), QUERY);
    Dataset<Row> l1 =
        cellsOfBroad.where(col(BROAD_LEVEL).equalTo(1))
            .groupBy(QUERY, TOP_ID).agg(sum("r").as("r"), functions.first("tot1").as("tot"))
            .join(broadcast(cats.tops().select(col(TOP_ID), col(TOP).as("name"), col("t"))), TOP_ID)
            .select(col(QUERY), col("name"), share(affinity).as("share"));
    Dataset<Row> l2 =
        cellsOfBroad.where(col(BROAD_LEVEL).equalTo(2).and(col(TOP_ID).equalTo(col("best"))).and(col(SUB_ID).isNotNull()))
            .join(broadcast(cats.subs().select(col(SUB_ID), col("name"), col("t"))), SUB_ID)
            .select(col(QUERY), col("name"), col("r"), col("t"), col("tot2").as("tot"))
            .select(col(QUERY), col("name"), share(affinity).as("share"));
    // Sorting structs (−share, name) ascending gives share descending, then name ascending.
    Dataset<Row> shown =
        l1.unionByName(l2)
            .groupBy(QUERY)
            .agg(functions.collect_list(functions.struct(functions.negate(col("share")).as("neg"), col("name"))).as("s"))
            .select(col(QUERY), expr("transform(slice(sort_array(s), 1, " + d.maxCategories() + "),"
                + " y -> named_struct('category', y.name, 'share', -y.neg))").cast(SHOW_TYPE).as(SHOW_CATEGORIES));
    return leveled.join(shown, new String[] {QUERY}, "left")
        .select(
            col(QUERY), col(RESULT_COUNT), col(TOP_CATEGORY), col(COUNT_L1), col(AFFINITY_L1),
            col(COUNT_L2), col(AFFINITY_L2), col(BROAD_LEVEL),
            coalesce(col(SHOW_CATEGORIES), functions.array().cast(SHOW_TYPE)).as(SHOW_CATEGORIES));
  }

  private static Column share(boolean affinity) {
    return (affinity ? col("r").divide(col("t")) : col("r").cast(DataTypes.DoubleType)).divide(col("tot"));
  }
}

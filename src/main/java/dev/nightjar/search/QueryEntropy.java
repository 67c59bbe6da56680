package dev.nightjar.search;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.api.java.UDF7;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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
 * <p>One shuffle of the log by a hash of the query and a fold over each query's rows ({@link
 * EntropyFold}): distinct results counted per category in primitive maps, and H is computed as log2(T) − Σ m·log2(m) / T from the measures m
 * (results or affinities) and their total T (exactly 0 for one category; within 1e-13 of the
 * term-by-term sum otherwise). The sums run over the query's categories in id order in double
 * arithmetic: the result depends only on the query's rows, so every partitioning gives the same
 * bits. Categories are numbered in name order, so "most results, then the lowest id" is "most
 * results, then the first name".
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
  static final String A1 = "a1";
  static final String N2 = "n2";
  static final String A2 = "a2";

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
    // Only the first two names are normalized: a transform of every name of the path ran
    // interpreted (a higher-order function, no generated code).
    Column parts = functions.split(categoryPath, ">");
    Column top = normalizeName(functions.element_at(parts, 1));
    Column sub = when(functions.size(parts).geq(2), normalizeName(functions.element_at(parts, 2)));
    return new Column[] {when(top.notEqual(""), top).as(TOP), when(sub.notEqual(""), sub).as(SUB)};
  }

  private static Column normalizeName(Column name) {
    return functions.regexp_replace(functions.trim(name), "\\s+", " ");
  }

  /**
   * The catalog's categories, numbered in name order (Spark's string order: code points), with
   * their sizes, and {@code products} ({@value #PRODUCT_ID}, {@value #PRODUCT_NO}, {@value
   * #TOP_ID}, {@value #SUB_ID}; null ids for a product without a category).
   */
  public record Categories(EntropyFold.Table table, Dataset<Row> products) {
    /**
     * From a catalog of distinct products ({@value #PRODUCT_ID}, {@value #PRODUCT_NO}, {@value
     * #TOP}, {@value #SUB}; persist it first). The category names are few: they are numbered on
     * the driver, not in a window over the whole catalog (which would run in one partition).
     */
    public static Categories of(Dataset<Row> catalog) {
      List<Row> cells = catalog.where(col(TOP).isNotNull()).groupBy(TOP, SUB).agg(count(lit(1))).collectAsList();
      TreeMap<String, Long> tops = new TreeMap<>(QueryEntropy::compareCodePoints);
      TreeMap<String[], Long> subs = new TreeMap<>((a, b) -> {
        int c = compareCodePoints(a[0], b[0]);
        return c != 0 ? c : compareCodePoints(a[1], b[1]);
      });
      for (Row r : cells) {
        tops.merge(r.getString(0), r.getLong(2), Long::sum);
        if (!r.isNullAt(1)) {
          subs.put(new String[] {r.getString(0), r.getString(1)}, r.getLong(2));
        }
      }
      String[] topNames = tops.keySet().toArray(new String[0]);
      long[] topSizes = tops.values().stream().mapToLong(Long::longValue).toArray();
      String[] subPaths = subs.keySet().stream().map(k -> k[0] + " > " + k[1]).toArray(String[]::new);
      long[] subSizes = subs.values().stream().mapToLong(Long::longValue).toArray();
      List<Row> topIds = new ArrayList<>();
      for (int i = 0; i < topNames.length; i++) {
        topIds.add(RowFactory.create(topNames[i], i));
      }
      List<Row> subIds = new ArrayList<>();
      int i = 0;
      for (String[] k : subs.keySet()) {
        subIds.add(RowFactory.create(k[0], k[1], i++));
      }
      SparkSession spark = catalog.sparkSession();
      Dataset<Row> topDf = spark.createDataFrame(topIds,
          new StructType().add(TOP, DataTypes.StringType).add(TOP_ID, DataTypes.IntegerType));
      Dataset<Row> subDf = spark.createDataFrame(subIds, new StructType().add("sub_top", DataTypes.StringType)
          .add("sub_name", DataTypes.StringType).add(SUB_ID, DataTypes.IntegerType));
      Dataset<Row> products =
          catalog.join(broadcast(topDf), new String[] {TOP}, "left")
              .join(broadcast(subDf), col(TOP).equalTo(col("sub_top")).and(col(SUB).equalTo(col("sub_name"))), "left")
              .select(col(PRODUCT_ID), col(PRODUCT_NO), col(TOP_ID), col(SUB_ID));
      return new Categories(new EntropyFold.Table(topNames, topSizes, subPaths, subSizes), products);
    }
  }

  /** Spark's string order (UTF-8 bytes, i.e. code points), which String.compareTo is not beyond the BMP. */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return i < a.length() ? 1 : j < b.length() ? -1 : 0;
  }

  /**
   * The per-query figures.
   *
   * @param queries per query: {@value #QUERY}, {@value #RESULT_COUNT}, {@value #TOP_ID}, {@value
   *     #TOP_CATEGORY}, the four entropies, the totals {@value #A1}, {@value #N2}, {@value #A2},
   *     {@value #VOLUME}, and the results per category of both levels (for the decision)
   */
  public record Entropies(Dataset<Row> queries, Categories categories) {}

  /**
   * The triaged log folded per query, in one shuffle: {@link EntropyFold#OUTPUT} rows, refused
   * rows passed through (reason and raw row) and one row of figures per query.
   *
   * @param triaged {@link EntropyFold#INPUT} columns: a null reason for a good row, whose
   *     {@value #QUERY} is normalized and {@value #TOP_ID} not null; a product repeated for a
   *     query counts once; a normalized query's volume is the sum over its spellings ({@value
   *     #RAW_HASH}) of their largest {@value #SEARCHES}
   * @param partitions the shuffle's partitions (the result has as many)
   */
  public static Dataset<Row> fold(Dataset<Row> triaged, Categories cats, int partitions) {
    Column[] in = Arrays.stream(EntropyFold.INPUT).map(functions::col).toArray(Column[]::new);
    // No sort: the fold finds each row's query by its hash in a map of the partition's queries
    // (a few thousand: the partitions are sized for it). Sorting each partition by the hash cost
    // more than the fold itself (reading the sorted rows back jumped across the sort buffer).
    Dataset<Row> shuffled = triaged.withColumn(EntropyFold.QUERY_HASH, functions.xxhash64(col(QUERY)))
        .select(in)
        .repartition(partitions, col(EntropyFold.QUERY_HASH));
    // The fold reads Spark's rows in place: as external Rows (a Row, a String and six boxed
    // numbers per log row) the conversion cost more than the fold itself.
    JavaRDD<InternalRow> folded =
        ((org.apache.spark.sql.classic.Dataset<Row>) shuffled).queryExecution().toRdd().toJavaRDD()
            .mapPartitions(new EntropyFold(cats.table()));
    return ((org.apache.spark.sql.classic.SparkSession) shuffled.sparkSession())
        .internalCreateDataFrame(folded.rdd(), EntropyFold.OUTPUT, false);
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
    Column level =
        when(col(RESULT_COUNT).lt(d.minResults()), lit(0))
            .when(col(d.mode().l1()).geq(d.thresholdL1()), lit(1))
            .when(col(d.mode().l2()).geq(d.thresholdL2()), lit(2))
            .otherwise(lit(0));
    EntropyFold.Table t = e.categories().table();
    boolean affinity = d.mode() == Mode.AFFINITY;
    int max = d.maxCategories();
    UserDefinedFunction show = functions.udf(
        (UDF7<Integer, scala.collection.Seq<Integer>, scala.collection.Seq<Long>, scala.collection.Seq<Integer>,
            scala.collection.Seq<Long>, Double, Double, Row[]>) (lvl, ids1, r1, ids2, r2, tot1, tot2) ->
            lvl == 1 ? shown(ids1, r1, t.tops(), t.topSizes(), tot1, affinity, max)
                : lvl == 2 ? shown(ids2, r2, t.subPaths(), t.subSizes(), tot2, affinity, max)
                : new Row[0],
        SHOW_TYPE);
    Column tot1 = affinity ? col(A1) : col(RESULT_COUNT).cast(DataTypes.DoubleType);
    Column tot2 = affinity ? col(A2) : col(N2).cast(DataTypes.DoubleType);
    return e.queries().withColumn(BROAD_LEVEL, level)
        .select(
            col(QUERY), col(RESULT_COUNT), col(TOP_CATEGORY), col(COUNT_L1), col(AFFINITY_L1),
            col(COUNT_L2), col(AFFINITY_L2), col(BROAD_LEVEL),
            show.apply(col(BROAD_LEVEL), col(EntropyFold.L1_IDS), col(EntropyFold.L1_R), col(EntropyFold.L2_IDS),
                col(EntropyFold.L2_R), tot1, tot2).as(SHOW_CATEGORIES));
  }

  /**
   * Up to {@code max} categories of one level, best first by share (results, or affinities when
   * {@code affinity}, over the level's total), ties by name.
   */
  private static Row[] shown(scala.collection.Seq<Integer> ids, scala.collection.Seq<Long> results, String[] names,
      long[] sizes, double total, boolean affinity, int max) {
    int k = ids.size();
    Integer[] order = new Integer[k];
    double[] share = new double[k];
    for (int i = 0; i < k; i++) {
      order[i] = i;
      long r = results.apply(i);
      share[i] = (affinity ? (double) r / sizes[ids.apply(i)] : (double) r) / total;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Double.compare(share[b], share[a]);
      return c != 0 ? c : compareCodePoints(names[ids.apply(a)], names[ids.apply(b)]);
    });
    Row[] out = new Row[Math.min(max, k)];
    for (int i = 0; i < out.length; i++) {
      out[i] = RowFactory.create(names[ids.apply(order[i])], share[order[i]]);
    }
    return out;
  }
}

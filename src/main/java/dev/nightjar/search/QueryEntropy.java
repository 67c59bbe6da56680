package dev.nightjar.search;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The entropy computation of the {@code entropy} job, apart from its input checks so the
 * benchmark can time exactly this. For query q with distinct results R (logarithms base 2):
 *
 * <ul>
 *   <li>level 1: r_i results in top-level category i, t_i catalog products in it; {@code
 *       entropy_count_l1} = H(r_i / |R|), {@code entropy_affinity_l1} = H(a_i / Σa) with a_i = r_i /
 *       t_i;
 *   <li>{@code top_category}: the top-level category with the most results, ties to the name that
 *       sorts first (code-point order);
 *   <li>level 2: the same two entropies over the children of {@code top_category}, counting only
 *       results that have a second level (0 when none do);
 *   <li>H(p) = −Σ p·log2(p) over non-zero p, summed term by term (so one category gives exactly 0).
 * </ul>
 */
public final class QueryEntropy {
  // Columns of the results this class reads.
  public static final String QUERY = "query";
  /** The spelling as logged, before normalization: search volume is counted per spelling. */
  public static final String RAW_QUERY = "raw_query";
  public static final String PRODUCT_ID = "product_id";
  public static final String TOP = "top";
  public static final String SUB = "sub";
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

  /** Intermediate: search volume, and the per-category lists of both levels. */
  public static final String VOLUME = "volume";
  static final String L1 = "l1";
  static final String L2 = "l2";
  static final String N1 = "n1";
  static final String N2 = "n2";
  static final String A1 = "a1";
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
   * The levels of a category path column, normalized as {@link dev.nightjar.taxonomy.Taxonomy#normalizePath}
   * does (split at '>', names trimmed, inner whitespace collapsed): struct of {@value #TOP} (null
   * for a null or empty path) and {@value #SUB} (null when there is no second level).
   */
  public static Column[] levels(Column categoryPath) {
    Column parts =
        functions.transform(
            functions.split(categoryPath, ">"),
            x -> functions.regexp_replace(functions.trim(x), "\\s+", " "));
    Column top = functions.element_at(parts, 1);
    Column sub = when(functions.size(parts).geq(2), functions.element_at(parts, 2));
    return new Column[] {
      when(top.notEqual(""), top).as(TOP), when(sub.notEqual(""), sub).as(SUB)
    };
  }

  /** Catalog products per top-level category ({@value #TOP}, {@code t}). */
  public static Dataset<Row> topSizes(Dataset<Row> catalog) {
    return catalog.where(col(TOP).isNotNull()).groupBy(TOP).agg(count(lit(1)).as("t"));
  }

  /** Catalog products per second-level category ({@value #TOP}, {@value #SUB}, {@code t}). */
  public static Dataset<Row> subSizes(Dataset<Row> catalog) {
    return catalog.where(col(TOP).isNotNull().and(col(SUB).isNotNull()))
        .groupBy(TOP, SUB).agg(count(lit(1)).as("t"));
  }

  /**
   * The entropies of every query.
   *
   * @param results good search-log rows: {@value #QUERY} (normalized), {@value #RAW_QUERY},
   *     {@value #PRODUCT_ID}, {@value #TOP} (not null), {@value #SUB}, {@value #SEARCHES}; a
   *     product repeated for a query counts once
   * @param topSizes {@link #topSizes}, {@code subSizes} {@link #subSizes}
   * @return per query: {@value #QUERY}, {@value #RESULT_COUNT}, {@value #TOP_CATEGORY}, the four
   *     entropies, {@value #VOLUME} and the per-category lists {@value #L1}, {@value #L2} (arrays
   *     of struct category, r, t) with their totals {@value #N1}, {@value #N2}
   */
  public static Dataset<Row> entropies(Dataset<Row> results, Dataset<Row> topSizes, Dataset<Row> subSizes) {
    // One shuffle by query: every aggregation and join below is keyed by query (plus more), so
    // Spark reuses this partitioning instead of shuffling the log again.
    Dataset<Row> byQuery = results.repartition(col(QUERY));
    Dataset<Row> volume =
        byQuery.groupBy(QUERY, RAW_QUERY).agg(max(SEARCHES).as(VOLUME))
            .groupBy(QUERY).agg(sum(VOLUME).as(VOLUME));
    Dataset<Row> cells =
        byQuery.select(QUERY, PRODUCT_ID, TOP, SUB).distinct()
            .groupBy(QUERY, TOP, SUB).agg(count(lit(1)).as("r"));
    Dataset<Row> byTop =
        cells.groupBy(QUERY, TOP).agg(sum("r").as("r")).join(broadcast(topSizes), TOP);
    Dataset<Row> level1 =
        byTop.groupBy(QUERY)
            .agg(
                sum("r").as(N1),
                // Most results first, then the name that sorts first.
                min(struct(functions.negate(col("r")).as("neg"), col(TOP).as("name"))).as("best"),
                collect_list(struct(col(TOP).as("category"), col("r"), col("t"))).as(L1))
            .select(col(QUERY), col(N1), col("best.name").as(TOP_CATEGORY), col(L1));
    Dataset<Row> level2 =
        cells.where(col(SUB).isNotNull())
            .join(level1.select(QUERY, TOP_CATEGORY), QUERY)
            .where(col(TOP).equalTo(col(TOP_CATEGORY)))
            .join(broadcast(subSizes), new String[] {TOP, SUB})
            .groupBy(QUERY)
            .agg(
                sum("r").as(N2),
                collect_list(
                        struct(functions.concat_ws(" > ", col(TOP), col(SUB)).as("category"), col("r"), col("t")))
                    .as(L2));
    Dataset<Row> joined =
        level1.join(level2, level1.col(QUERY).equalTo(level2.col(QUERY)), "left")
            .select(level1.col(QUERY), col(N1), col(TOP_CATEGORY), col(L1),
                coalesce(level2.col(N2), lit(0L)).as(N2),
                coalesce(level2.col(L2), functions.array().cast(level1.schema().apply(L1).dataType())).as(L2))
            .join(volume, QUERY)
            .withColumn(A1, sumOf(L1, "x.r / x.t"))
            .withColumn(A2, sumOf(L2, "x.r / x.t"));
    return joined.select(
        col(QUERY),
        col(N1).as(RESULT_COUNT),
        col(TOP_CATEGORY),
        entropy(L1, measure(false), N1).as(COUNT_L1),
        entropy(L1, measure(true), A1).as(AFFINITY_L1),
        entropy(L2, measure(false), N2).as(COUNT_L2),
        entropy(L2, measure(true), A2).as(AFFINITY_L2),
        col(VOLUME), col(L1), col(N1), col(A1), col(L2), col(N2), col(A2));
  }

  /** The measure of list element x: its results r, or its affinity r / t. */
  private static String measure(boolean affinity) {
    return affinity ? "(x.r / x.t)" : "cast(x.r as double)";
  }

  private static Column sumOf(String list, String term) {
    return expr("aggregate(" + list + ", 0D, (acc, x) -> acc + " + term + ")");
  }

  /** H(p) = −Σ p·log2(p) over the list, p = measure / total; 0 for an empty list. */
  private static Column entropy(String list, String measure, String total) {
    String p = "(" + measure + " / " + total + ")";
    return expr("aggregate(" + list + ", 0D, (acc, x) -> acc - " + p + " * log2(" + p + "))");
  }

  /**
   * The table's columns from {@link #entropies}: {@value #BROAD_LEVEL} by the decision rule and
   * {@value #SHOW_CATEGORIES} (up to {@code maxCategories} of the chosen level, best first by the
   * deciding measure, ties by name, each with its share; empty when not broad).
   */
  public static Dataset<Row> decide(Dataset<Row> entropies, Decision d) {
    boolean affinity = d.mode() == Mode.AFFINITY;
    Column level =
        when(col(RESULT_COUNT).lt(d.minResults()), lit(0))
            .when(col(d.mode().l1()).geq(d.thresholdL1()), lit(1))
            .when(col(d.mode().l2()).geq(d.thresholdL2()), lit(2))
            .otherwise(lit(0));
    Column show =
        when(level.equalTo(1), shown(L1, measure(affinity), affinity ? A1 : N1, d.maxCategories()))
            .when(level.equalTo(2), shown(L2, measure(affinity), affinity ? A2 : N2, d.maxCategories()))
            .otherwise(functions.array().cast(SHOW_TYPE));
    return entropies.select(
        col(QUERY), col(RESULT_COUNT), col(TOP_CATEGORY), col(COUNT_L1), col(AFFINITY_L1),
        col(COUNT_L2), col(AFFINITY_L2), level.as(BROAD_LEVEL), show.as(SHOW_CATEGORIES));
  }

  /** The type of {@value #SHOW_CATEGORIES}. */
  public static final DataType SHOW_TYPE =
      DataTypes.createArrayType(
          new StructType().add("category", DataTypes.StringType).add("share", DataTypes.DoubleType), false);

  /** The first {@code max} categories of a list by share of the measure: share descending, then name. */
  private static Column shown(String list, String measure, String total, int max) {
    // Sorting structs (−share, name) ascending gives share descending, then name ascending.
    return expr(
            "transform(slice(sort_array(transform(" + list + ", x -> named_struct('neg', -(" + measure
                + " / " + total + "), 'category', x.category))), 1, " + max + "),"
                + " y -> named_struct('category', y.category, 'share', -y.neg))")
        .cast(SHOW_TYPE);
  }
}

package dev.nightjar.tables;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Iterator;
import java.util.Set;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import scala.Tuple2;

/**
 * Computations whose bits depend on the rows alone, not on how many files hold them, in which
 * order Spark reads them or which task finishes first: a rerun over the same rows after a crash,
 * a resume or a compaction, or on a cluster, gives the same models and metrics bit for bit (so
 * rerunning a date publishes nothing new). Floating-point sums depend on their order; so:
 *
 * <ul>
 *   <li>{@link #canonical} puts the rows of a model fit in one partition in an order fixed by
 *       their values. MLlib fits aggregate with {@code treeAggregate}, whose partition results are
 *       merged in the order tasks finish, and some merges (summary statistics) are not even
 *       symmetric: only one partition makes every sum run in one fixed order.
 *   <li>{@link #exactSum} sums metrics in decimal arithmetic, which is exact and so the same in
 *       any order and any partitioning.
 *   <li>{@link #reduceInOrder} combines per-partition results in partition-index order, where
 *       {@code reduce}/{@code treeReduce} combine them in the order tasks finish.
 * </ul>
 */
public final class Deterministic {
  /**
   * Decimal places of {@link #exactSum}: each term is rounded to 1e-18 once (well below what a
   * metric shows) and 20 integer digits leave room for sums of millions of large terms.
   */
  public static final int SUM_SCALE = 18;

  private static final String SUM_TYPE = "decimal(38," + SUM_SCALE + ")";

  private Deterministic() {}

  /**
   * The rows in one partition, sorted by {@code keys} and then by every other column that can be
   * ordered (atomic values and arrays of them), so the order is a function of the rows' values:
   * two rows can only tie if those columns are equal. Meant for the modest row counts of a model
   * fit (one task reads them all).
   */
  public static Dataset<Row> canonical(Dataset<Row> df, String... keys) {
    Set<String> order = new LinkedHashSet<>(List.of(keys));
    for (StructField f : df.schema().fields()) {
      if (orderable(f.dataType())) {
        order.add(f.name());
      }
    }
    List<Column> cols = new ArrayList<>();
    for (String c : order) {
      cols.add(functions.col(c).asc_nulls_first());
    }
    return df.repartition(1).sortWithinPartitions(cols.toArray(new Column[0]));
  }

  private static boolean orderable(DataType t) {
    return t instanceof AtomicType || (t instanceof ArrayType a && a.elementType() instanceof AtomicType);
  }

  /**
   * The sum of a numeric column in decimal arithmetic (null for no rows): the same bits whatever
   * the order Spark adds partial sums in. Read it with {@link #mean}.
   */
  public static Column exactSum(Column c) {
    return functions.sum(c.cast(SUM_TYPE));
  }

  /** A sum of {@link #exactSum} divided by a count: NaN for no rows, else correctly rounded. */
  public static double mean(BigDecimal sum, long n) {
    if (n == 0 || sum == null) {
      return Double.NaN;
    }
    return sum.divide(BigDecimal.valueOf(n), MathContext.DECIMAL128).doubleValue();
  }

  /** The {@link #exactSum} in column {@code i} of {@code r} over {@code n} rows, as a mean. */
  public static double mean(Row r, int i, long n) {
    return r.isNullAt(i) ? Double.NaN : mean(r.getDecimal(i), n);
  }

  /**
   * Folds {@code rdd} with {@code add}: each partition's elements in their order, then the
   * partitions' results in partition-index order, so the result is the same bits however tasks
   * are scheduled (for a non-associative {@code add} such as float sums). Like {@code treeReduce}
   * at depth 2, many partitions are first combined in groups of about sqrt(n) on the executors
   * (one shuffle, sorted by partition index), so the driver receives about sqrt(n) results;
   * {@code add} may update and return its first argument. Fails on an empty RDD, like {@code reduce}.
   */
  public static <T> T reduceInOrder(JavaRDD<T> rdd, Function2<T, T, T> add) {
    int n = rdd.getNumPartitions();
    JavaRDD<T> folded = rdd.mapPartitions(it -> fold(it, add), true);
    int fan = Math.max(2, (int) Math.ceil(Math.sqrt(n)));
    if (n > fan + n / fan) { // treeReduce's test for whether a level is worth a shuffle
      JavaRDD<Tuple2<Integer, T>> indexed = folded.mapPartitionsWithIndex(
          (i, it) -> it.hasNext() ? List.of(new Tuple2<>(i, it.next())).iterator() : List.<Tuple2<Integer, T>>of().iterator(),
          true);
      folded = JavaPairRDD.fromJavaRDD(indexed)
          .repartitionAndSortWithinPartitions(new Groups((n + fan - 1) / fan, fan))
          .values()
          .mapPartitions(it -> fold(it, add), true);
    }
    Iterator<T> results = folded.collect().iterator(); // in partition order
    if (!results.hasNext()) {
      throw new UnsupportedOperationException("reduceInOrder of an empty collection");
    }
    try {
      return fold(results, add).next();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static <T> Iterator<T> fold(Iterator<T> it, Function2<T, T, T> add) throws Exception {
    if (!it.hasNext()) {
      return List.<T>of().iterator();
    }
    T acc = it.next();
    while (it.hasNext()) {
      acc = add.call(acc, it.next());
    }
    return List.of(acc).iterator();
  }

  /** Partition index i goes to group i / fan (groups of consecutive partitions). */
  private static final class Groups extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int groups;
    private final int fan;

    Groups(int groups, int fan) {
      this.groups = groups;
      this.fan = fan;
    }

    @Override
    public int numPartitions() {
      return groups;
    }

    @Override
    public int getPartition(Object key) {
      return (Integer) key / fan;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Groups g && g.groups == groups && g.fan == fan;
    }

    @Override
    public int hashCode() {
      return 31 * groups + fan;
    }
  }
}

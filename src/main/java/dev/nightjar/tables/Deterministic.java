package dev.nightjar.tables;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.AtomicType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;

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
}

package dev.nightjar.search;

import dev.nightjar.tables.Quarantine;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The per-query fold of {@link QueryEntropy#fold}: over one partition of the classified log,
 * hashed by query and sorted by (query, top id, sub id, product number), it passes refused rows
 * through and turns each query's good rows into one row of figures. Every sum over a query's
 * categories is a double sum in category-id (name) order, so a query's figures depend only on its
 * rows, never on how the log was partitioned: bit-identical on any cluster, without decimals.
 */
final class EntropyFold implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  /** The input columns, in order. */
  static final String[] INPUT = {
    Quarantine.REASON, Quarantine.RAW, QueryEntropy.QUERY, QueryEntropy.RAW_HASH, QueryEntropy.SEARCHES,
    QueryEntropy.PRODUCT_NO, QueryEntropy.TOP_ID, QueryEntropy.SUB_ID
  };

  /** Per top-level category of the query: ids in increasing order and results. */
  static final String L1_IDS = "l1_ids";
  static final String L1_R = "l1_r";
  /** Per second-level category under the top category (with a second level): ids and results. */
  static final String L2_IDS = "l2_ids";
  static final String L2_R = "l2_r";
  /** Good log rows of the query (a repeated result counts each time), for the quarantine share. */
  static final String ROWS = "log_rows";

  /**
   * The output: a refused row has only {@value Quarantine#REASON} and {@value Quarantine#RAW}; a
   * query row has every other column and a null reason.
   */
  static final StructType OUTPUT = new StructType()
      .add(Quarantine.REASON, DataTypes.StringType)
      .add(Quarantine.RAW, DataTypes.StringType)
      .add(QueryEntropy.QUERY, DataTypes.StringType)
      .add(QueryEntropy.RESULT_COUNT, DataTypes.LongType)
      .add(QueryEntropy.TOP_ID, DataTypes.IntegerType)
      .add(QueryEntropy.TOP_CATEGORY, DataTypes.StringType)
      .add(QueryEntropy.COUNT_L1, DataTypes.DoubleType)
      .add(QueryEntropy.AFFINITY_L1, DataTypes.DoubleType)
      .add(QueryEntropy.COUNT_L2, DataTypes.DoubleType)
      .add(QueryEntropy.AFFINITY_L2, DataTypes.DoubleType)
      .add(QueryEntropy.A1, DataTypes.DoubleType)
      .add(QueryEntropy.N2, DataTypes.LongType)
      .add(QueryEntropy.A2, DataTypes.DoubleType)
      .add(QueryEntropy.VOLUME, DataTypes.LongType)
      .add(ROWS, DataTypes.LongType)
      .add(L1_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false))
      .add(L1_R, DataTypes.createArrayType(DataTypes.LongType, false))
      .add(L2_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false))
      .add(L2_R, DataTypes.createArrayType(DataTypes.LongType, false));

  /** The catalog's categories numbered in name order, with their sizes (small: sent to every task). */
  record Table(String[] tops, long[] topSizes, String[] subPaths, long[] subSizes) implements Serializable {}

  private final Table cats;

  EntropyFold(Table cats) {
    this.cats = cats;
  }

  private static final double LN2 = StrictMath.log(2.0);

  /** log2 as Spark's {@code log(2.0, x)} computes it (StrictMath: the same bits on every JVM). */
  static double log2(double x) {
    return StrictMath.log(x) / LN2;
  }

  /** H = log2(T) − Σ m·log2(m) / T over k categories: 0 for one or none, never below 0 (rounding). */
  static double entropy(double total, double sumMLogM, int k) {
    return k <= 1 ? 0.0 : Math.max(0.0, log2(total) - sumMLogM / total);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> in) {
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private final Group g = new Group();

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && in.hasNext()) {
          Row r = in.next();
          if (!r.isNullAt(0)) {
            ready.add(RowFactory.create(r.getString(0), r.getString(1), null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null));
          } else {
            String q = r.getString(2);
            if (g.query != null && !g.query.equals(q)) {
              ready.add(g.finish(cats));
            }
            g.add(q, r.getLong(3), r.getLong(4), r.getLong(5), r.getInt(6), r.isNullAt(7) ? -1 : r.getInt(7));
          }
        }
        if (ready.isEmpty() && g.query != null) {
          ready.add(g.finish(cats));
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  /** The good rows of one query seen so far, as distinct-result counts per (top, sub) cell. */
  private static final class Group {
    String query;
    long rows;
    int cells;
    int[] top = new int[16];
    int[] sub = new int[16];
    long[] r = new long[16];
    long lastProduct;
    final Map<Long, Long> spellings = new HashMap<>();

    void add(String q, long rawHash, long searches, long product, int topId, int subId) {
      if (query == null) {
        query = q;
      }
      rows++;
      spellings.merge(rawHash, searches, Math::max);
      if (cells > 0 && top[cells - 1] == topId && sub[cells - 1] == subId) {
        if (product != lastProduct) {
          r[cells - 1]++;
        }
      } else {
        if (cells == top.length) {
          top = Arrays.copyOf(top, 2 * cells);
          sub = Arrays.copyOf(sub, 2 * cells);
          r = Arrays.copyOf(r, 2 * cells);
        }
        top[cells] = topId;
        sub[cells] = subId;
        r[cells] = 1;
        cells++;
      }
      lastProduct = product;
    }

    Row finish(Table t) {
      // Level 1: the cells of a top-level category are adjacent (sorted by top id, then sub id).
      int k1 = 0;
      int[] ids1 = new int[cells];
      long[] r1 = new long[cells];
      for (int i = 0; i < cells; i++) {
        if (k1 == 0 || ids1[k1 - 1] != top[i]) {
          ids1[k1] = top[i];
          r1[k1++] = 0;
        }
        r1[k1 - 1] += r[i];
      }
      long n1 = 0;
      double s1c = 0;
      double a1 = 0;
      double s1a = 0;
      int best = 0;
      for (int i = 0; i < k1; i++) {
        long ri = r1[i];
        double ai = (double) ri / t.topSizes()[ids1[i]];
        n1 += ri;
        s1c += ri * log2(ri);
        a1 += ai;
        s1a += ai * log2(ai);
        // Most results, ties to the lowest id: the name that sorts first.
        if (ri > r1[best]) {
          best = i;
        }
      }
      int bestTop = ids1[best];
      // Level 2: the children of the top category, over results that have a second level.
      int k2 = 0;
      Integer[] ids2 = new Integer[cells];
      Long[] r2 = new Long[cells];
      long n2 = 0;
      double s2c = 0;
      double a2 = 0;
      double s2a = 0;
      for (int i = 0; i < cells; i++) {
        if (top[i] == bestTop && sub[i] >= 0) {
          long ri = r[i];
          double ai = (double) ri / t.subSizes()[sub[i]];
          n2 += ri;
          s2c += ri * log2(ri);
          a2 += ai;
          s2a += ai * log2(ai);
          ids2[k2] = sub[i];
          r2[k2++] = ri;
        }
      }
      long volume = 0;
      for (long v : spellings.values()) {
        volume += v;
      }
      Integer[] l1Ids = new Integer[k1];
      Long[] l1R = new Long[k1];
      for (int i = 0; i < k1; i++) {
        l1Ids[i] = ids1[i];
        l1R[i] = r1[i];
      }
      Row out = RowFactory.create(null, null, query, n1, bestTop, t.tops()[bestTop],
          entropy(n1, s1c, k1), entropy(a1, s1a, k1), entropy(n2, s2c, k2), entropy(a2, s2a, k2),
          a1, n2, a2, volume, rows, l1Ids, l1R, Arrays.copyOf(ids2, k2), Arrays.copyOf(r2, k2));
      query = null;
      rows = 0;
      cells = 0;
      spellings.clear();
      return out;
    }
  }
}

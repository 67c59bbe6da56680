package dev.nightjar.search;

import dev.nightjar.tables.Quarantine;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * The per-query fold of {@link QueryEntropy#fold}: over one partition of the triaged log (all
 * rows of a query in one partition, in any order), it passes refused rows through and turns each
 * query's good rows into one row of figures, the queries found by a 64-bit hash of the query. Every sum over a query's
 * categories is a double sum in category-id (name) order, so a query's figures depend only on its
 * rows, never on how the log was partitioned or ordered: bit-identical on any cluster, without
 * decimals.
 */
final class EntropyFold implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
  private static final long serialVersionUID = 1L;

  /** The input columns, in order. */
  static final String[] INPUT = {
    Quarantine.REASON, Quarantine.RAW, QueryEntropy.QUERY, QueryEntropy.RAW_HASH, QueryEntropy.SEARCHES,
    QueryEntropy.PRODUCT_NO, QueryEntropy.TOP_ID, QueryEntropy.SUB_ID, EntropyFold.QUERY_HASH
  };

  /** The partitioning key, by which the fold also finds a row's query: one long, hashed once. */
  static final String QUERY_HASH = "query_hash";

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
  /** {@link Table#tops} in Spark's string type, made once per task. */
  private transient UTF8String[] topNames;

  EntropyFold(Table cats) {
    this.cats = cats;
  }

  private UTF8String[] topNames() {
    if (topNames == null) {
      topNames = Arrays.stream(cats.tops()).map(UTF8String::fromString).toArray(UTF8String[]::new);
    }
    return topNames;
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
  public Iterator<InternalRow> call(Iterator<InternalRow> in) {
    return new Iterator<>() {
      private final ArrayDeque<InternalRow> ready = new ArrayDeque<>();
      // Every query of the partition, in order of first appearance: the partition is sized so
      // that they all fit (a few thousand), and no sort brings a query's rows together.
      private final List<Group> groups = new ArrayList<>();
      /** Query hash to the index of its first group in {@link #groups}; collisions chain on. */
      private final LongMap byHash = new LongMap();
      private int emitted;

      @Override
      public boolean hasNext() {
        while (ready.isEmpty() && in.hasNext()) {
          // The input rows are Spark's own, reused by the next call: read in place, strings copied
          // only when kept (a refused row's, a new query's).
          InternalRow r = in.next();
          if (!r.isNullAt(0)) {
            GenericInternalRow out = new GenericInternalRow(OUTPUT.size());
            out.update(0, r.getUTF8String(0).clone());
            out.update(1, r.isNullAt(1) ? null : r.getUTF8String(1).clone());
            ready.add(out);
            continue;
          }
          group(r.getLong(8), r.getUTF8String(2))
              .add(r.getLong(3), r.getLong(4), r.getLong(5), r.getInt(6), r.isNullAt(7) ? -1 : r.getInt(7));
        }
        if (ready.isEmpty()) {
          // The input is done: one row per query, each finished (and let go) as it is read.
          if (emitted < groups.size()) {
            ready.add(groups.get(emitted).finish(cats, topNames()));
            groups.set(emitted++, null);
          }
        }
        return !ready.isEmpty();
      }

      private Group group(long hash, UTF8String q) {
        int i = (int) byHash.putIfAbsent(hash, groups.size());
        if (i < groups.size()) {
          Group g = groups.get(i);
          while (!g.query.equals(q)) {
            if (g.next < 0) {
              // Two queries with one hash: rare, chained.
              g.next = groups.size();
              return add(q);
            }
            g = groups.get(g.next);
          }
          return g;
        }
        return add(q);
      }

      private Group add(UTF8String q) {
        Group g = new Group(q.clone());
        groups.add(g);
        return g;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  /**
   * The sums of one level over its categories, added in id order: results n, Σ r·log2(r),
   * affinities a = Σ r/t and Σ a·log2(a), as Spark's {@code r * log(2.0, r)} computes each term.
   */
  private static final class Sums {
    int k;
    long n;
    double sc;
    double a;
    double sa;

    void add(long r, long size) {
      double ai = (double) r / size;
      k++;
      n += r;
      sc += r * log2(r);
      a += ai;
      sa += ai * log2(ai);
    }
  }

  /**
   * An open-addressing map of long keys to long values: a query's products, cells and spellings
   * without a boxed Long per log row. A key and its value are adjacent in one array (one cache
   * line per lookup, where separate key, value and used arrays took three); {@link #FREE} marks a
   * free slot, and the key equal to it is kept beside the table.
   */
  static final class LongMap {
    private static final long FREE = Long.MIN_VALUE;

    /** Key at 2i, value at 2i + 1. */
    private long[] table = freeTable(8);
    private int size;
    private boolean hasFreeKey;
    private long freeKeyValue;
    /** Whether the last {@link #slot} claimed its key. */
    private boolean fresh;

    private static long[] freeTable(int slots) {
      long[] t = new long[2 * slots];
      for (int i = 0; i < t.length; i += 2) {
        t[i] = FREE;
      }
      return t;
    }

    int size() {
      return size + (hasFreeKey ? 1 : 0);
    }

    /**
     * The index in {@link #table} of {@code key}'s value, claimed for it (value 0) when absent
     * ({@link #fresh} tells which); -1 for the key {@link #FREE}.
     */
    private int slot(long key) {
      if (key == FREE) {
        fresh = !hasFreeKey;
        if (fresh) {
          hasFreeKey = true;
          freeKeyValue = 0;
        }
        return -1;
      }
      if (4 * (size + 1) > table.length) { // more than half the slots
        grow();
      }
      int mask = table.length / 2 - 1;
      int i = (int) mix(key) & mask;
      long k;
      while ((k = table[2 * i]) != FREE && k != key) {
        i = (i + 1) & mask;
      }
      fresh = k == FREE;
      if (fresh) {
        table[2 * i] = key;
        table[2 * i + 1] = 0;
        size++;
      }
      return 2 * i + 1;
    }

    private long get(int slot) {
      return slot < 0 ? freeKeyValue : table[slot];
    }

    private void set(int slot, long value) {
      if (slot < 0) {
        freeKeyValue = value;
      } else {
        table[slot] = value;
      }
    }

    /** Adds {@code key}; true when it was absent. */
    boolean add(long key) {
      slot(key);
      return fresh;
    }

    /** The value of {@code key}, set to {@code value} when absent. */
    long putIfAbsent(long key, long value) {
      int i = slot(key);
      if (fresh) {
        set(i, value);
      }
      return get(i);
    }

    /** Keeps the larger of {@code key}'s value and {@code value}. */
    void putMax(long key, long value) {
      int i = slot(key);
      set(i, fresh ? value : Math.max(get(i), value));
    }

    /** The keys, in no particular order, with their values in {@code valuesOut} (of length size). */
    long[] keys(long[] valuesOut) {
      long[] out = new long[size()];
      int c = 0;
      if (hasFreeKey) {
        out[c] = FREE;
        if (valuesOut != null) {
          valuesOut[c] = freeKeyValue;
        }
        c++;
      }
      for (int i = 0; i < table.length; i += 2) {
        if (table[i] != FREE) {
          out[c] = table[i];
          if (valuesOut != null) {
            valuesOut[c] = table[i + 1];
          }
          c++;
        }
      }
      return out;
    }

    private void grow() {
      long[] old = table;
      table = freeTable(old.length); // twice the slots
      size = 0;
      for (int i = 0; i < old.length; i += 2) {
        if (old[i] != FREE) {
          table[slot(old[i])] = old[i + 1];
        }
      }
    }

    private static long mix(long x) {
      x *= 0x9E3779B97F4A7C15L;
      return x ^ (x >>> 29);
    }
  }

  /** The good rows of one query seen so far, as distinct-result counts per (top, sub) cell. */
  private static final class Group {
    final UTF8String query;
    /** The group of the next query with the same hash in the partition, or -1. */
    int next = -1;
    long rows;
    /** Cell key (top id << 32 | sub id + 1) to its index in {@link #r}. */
    final LongMap cellIndex = new LongMap();
    long[] r = new long[8];
    final LongMap products = new LongMap();
    /** Spelling hash to its largest searches. */
    final LongMap spellings = new LongMap();

    Group(UTF8String query) {
      this.query = query;
    }

    void add(long rawHash, long searches, long product, int topId, int subId) {
      rows++;
      spellings.putMax(rawHash, searches);
      if (!products.add(product)) {
        return; // a repeated result (a product lies in one cell)
      }
      int i = (int) cellIndex.putIfAbsent(cellKey(topId, subId), cellIndex.size());
      if (i == r.length) {
        r = Arrays.copyOf(r, 2 * i);
      }
      r[i]++;
    }

    private static long cellKey(int topId, int subId) {
      return ((long) topId << 32) | (subId + 1L);
    }

    InternalRow finish(Table t, UTF8String[] topNames) {
      // The cells in (top id, sub id) order, a missing second level first: the order of every sum.
      int cells = cellIndex.size();
      long[] keys = cellIndex.keys(null);
      Arrays.sort(keys);
      int[] top = new int[cells];
      int[] sub = new int[cells];
      long[] r = new long[cells];
      for (int i = 0; i < cells; i++) {
        top[i] = (int) (keys[i] >>> 32);
        sub[i] = (int) (keys[i] & 0xffffffffL) - 1;
        r[i] = this.r[(int) cellIndex.putIfAbsent(keys[i], -1)];
      }
      // Level 1: the cells of a top-level category are adjacent.
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
      Sums l1 = new Sums();
      int best = 0;
      for (int i = 0; i < k1; i++) {
        l1.add(r1[i], t.topSizes()[ids1[i]]);
        // Most results, ties to the lowest id: the name that sorts first.
        if (r1[i] > r1[best]) {
          best = i;
        }
      }
      int bestTop = ids1[best];
      // Level 2: the children of the top category, over results that have a second level.
      Sums l2 = new Sums();
      int[] ids2 = new int[cells];
      long[] r2 = new long[cells];
      for (int i = 0; i < cells; i++) {
        if (top[i] == bestTop && sub[i] >= 0) {
          l2.add(r[i], t.subSizes()[sub[i]]);
          ids2[l2.k - 1] = sub[i];
          r2[l2.k - 1] = r[i];
        }
      }
      long[] maxSearches = new long[spellings.size()];
      spellings.keys(maxSearches);
      long volume = 0;
      for (long v : maxSearches) {
        volume += v;
      }
      return new GenericInternalRow(new Object[] {null, null, query, l1.n, bestTop, topNames[bestTop],
          entropy(l1.n, l1.sc, l1.k), entropy(l1.a, l1.sa, l1.k), entropy(l2.n, l2.sc, l2.k), entropy(l2.a, l2.sa, l2.k),
          l1.a, l2.n, l2.a, volume, rows,
          UnsafeArrayData.fromPrimitiveArray(Arrays.copyOf(ids1, k1)),
          UnsafeArrayData.fromPrimitiveArray(Arrays.copyOf(r1, k1)),
          UnsafeArrayData.fromPrimitiveArray(Arrays.copyOf(ids2, l2.k)),
          UnsafeArrayData.fromPrimitiveArray(Arrays.copyOf(r2, l2.k))});
    }
  }
}

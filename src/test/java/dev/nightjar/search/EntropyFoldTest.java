package dev.nightjar.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.junit.jupiter.api.Test;

/** The per-query fold over Spark's internal rows and its primitive map, in plain Java (no Spark). */
class EntropyFoldTest {
  private static final EntropyFold.Table CATS =
      new EntropyFold.Table(new String[] {"a", "b"}, new long[] {10, 20}, new String[] {"a > x", "b > y"}, new long[] {5, 8});

  private static InternalRow good(String query, long hash, long rawHash, long searches, long product, int top, Integer sub) {
    return new GenericInternalRow(new Object[] {null, null, UTF8String.fromString(query), rawHash, searches, product, top,
        sub, hash});
  }

  /** −Σ p·log2(p), term by term: the definition the fold's log2(T) − Σ m·log2(m) / T must match. */
  private static double h(double... m) {
    double t = Arrays.stream(m).sum();
    double s = 0;
    for (double x : m) {
      s -= x / t * (Math.log(x / t) / Math.log(2));
    }
    return s;
  }

  /** Queries q, r (q's hash: a collision) and t, and a refused row. */
  private static List<InternalRow> log() {
    List<InternalRow> in = new ArrayList<>();
    // Query "q": 18 distinct results in a > x (one of them logged twice), 2 in b without a second
    // level, two spellings (largest searches 5 and 2). More products than the maps start with.
    for (long p = 1; p <= 18; p++) {
      in.add(good("q", 42, 7, p == 1 ? 3 : 5, p, 0, 0));
    }
    in.add(good("q", 42, 7, 4, 5, 0, 0));
    in.add(good("q", 42, 8, 2, 100, 1, null));
    in.add(good("q", 42, 8, 1, 101, 1, null));
    // "r" shares q's hash (a collision): a query of its own all the same.
    in.add(good("r", 42, 9, 1, 3, 1, 1));
    in.add(new GenericInternalRow(new Object[] {UTF8String.fromString("unknown_product"),
        UTF8String.fromString("{\"query\":\"s\"}"), null, null, null, null, null, null, null}));
    in.add(good("t", 43, 10, 6, 4, 1, 1));
    return in;
  }

  /** The fold's query rows by query; the refused rows (reason and raw row) into {@code refused}. */
  private static Map<String, InternalRow> fold(List<InternalRow> in, List<String> refused) throws Exception {
    Map<String, InternalRow> byQuery = new TreeMap<>();
    Iterator<InternalRow> out = new EntropyFold(CATS).call(in.iterator());
    while (out.hasNext()) {
      InternalRow r = out.next();
      if (r.isNullAt(0)) {
        assertNull(byQuery.put(r.getUTF8String(2).toString(), r), "one row per query");
      } else {
        refused.add(r.getUTF8String(0) + " " + r.getUTF8String(1));
      }
    }
    return byQuery;
  }

  @Test
  void foldsEachQueryOfAHashAndPassesRefusedRowsThrough() throws Exception {
    List<String> refused = new ArrayList<>();
    Map<String, InternalRow> byQuery = fold(log(), refused);
    assertEquals(List.of("unknown_product {\"query\":\"s\"}"), refused);
    assertEquals(List.of("q", "r", "t"), new ArrayList<>(byQuery.keySet()));

    InternalRow q = byQuery.get("q");
    assertEquals(20L, q.getLong(3)); // distinct results
    assertEquals(0, q.getInt(4));
    assertEquals("a", q.getUTF8String(5).toString());
    assertEquals(h(18, 2), q.getDouble(6), 1e-13);
    assertEquals(h(18.0 / 10, 2.0 / 20), q.getDouble(7), 1e-13);
    assertEquals(0.0, q.getDouble(8)); // one child of a with results
    assertEquals(0.0, q.getDouble(9));
    assertEquals(18.0 / 10 + 2.0 / 20, q.getDouble(10));
    assertEquals(18L, q.getLong(11));
    assertEquals(18.0 / 5, q.getDouble(12));
    assertEquals(7L, q.getLong(13)); // volume: 5 + 2
    assertEquals(21L, q.getLong(14)); // log rows, the repeat included
    assertArrayEquals(new int[] {0, 1}, q.getArray(15).toIntArray());
    assertArrayEquals(new long[] {18, 2}, q.getArray(16).toLongArray());
    assertArrayEquals(new int[] {0}, q.getArray(17).toIntArray());
    assertArrayEquals(new long[] {18}, q.getArray(18).toLongArray());

    InternalRow r = byQuery.get("r");
    assertEquals(1L, r.getLong(3));
    assertEquals("b", r.getUTF8String(5).toString());
    assertArrayEquals(new int[] {1}, r.getArray(17).toIntArray());
    assertEquals(6L, byQuery.get("t").getLong(13));
  }

  @Test
  void theRowsMayComeInAnyOrder() throws Exception {
    List<InternalRow> in = log();
    Map<String, InternalRow> expected = fold(in, new ArrayList<>());
    // Reversed, and interleaved (every other row first): the queries' rows are no longer adjacent.
    List<InternalRow> reversed = new ArrayList<>(in);
    Collections.reverse(reversed);
    List<InternalRow> interleaved = new ArrayList<>();
    for (int start = 0; start < 2; start++) {
      for (int i = start; i < in.size(); i += 2) {
        interleaved.add(in.get(i));
      }
    }
    for (List<InternalRow> order : List.of(reversed, interleaved)) {
      List<String> refused = new ArrayList<>();
      Map<String, InternalRow> got = fold(order, refused);
      assertEquals(List.of("unknown_product {\"query\":\"s\"}"), refused);
      assertEquals(expected.keySet(), got.keySet());
      for (String q : expected.keySet()) {
        InternalRow e = expected.get(q);
        InternalRow g = got.get(q);
        assertEquals(e.getLong(3), g.getLong(3), q);
        for (int f = 6; f <= 12; f++) {
          if (f != 11) {
            assertEquals(Double.doubleToRawLongBits(e.getDouble(f)), Double.doubleToRawLongBits(g.getDouble(f)), q + " " + f);
          }
        }
        assertEquals(e.getLong(13), g.getLong(13), q);
        assertArrayEquals(e.getArray(15).toIntArray(), g.getArray(15).toIntArray(), q);
        assertArrayEquals(e.getArray(16).toLongArray(), g.getArray(16).toLongArray(), q);
      }
    }
  }

  @Test
  void longMapKeepsEveryKeyThroughGrowth() {
    EntropyFold.LongMap m = new EntropyFold.LongMap();
    long[] keys = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 16, 32, 48};
    for (long k : keys) {
      assertTrue(m.add(k));
    }
    for (long k = 1000; k < 1100; k++) {
      assertEquals(k - 1000 + keys.length, m.putIfAbsent(k, k - 1000 + keys.length));
    }
    assertFalse(m.add(0));
    assertFalse(m.add(Long.MIN_VALUE));
    assertEquals(10L, m.putIfAbsent(1003, -5)); // present: the value stays
    assertEquals(107, m.size());
    m.putMax(1003, 2);
    m.putMax(1003, 99);
    m.putMax(-7, 4);
    long[] values = new long[m.size()];
    long[] found = m.keys(values);
    Map<Long, Long> asMap = new TreeMap<>();
    for (int i = 0; i < found.length; i++) {
      asMap.put(found[i], values[i]);
    }
    assertEquals(108, asMap.size());
    assertEquals(99L, asMap.get(1003L));
    assertEquals(4L, asMap.get(-7L));
    assertEquals(0L, asMap.get(Long.MIN_VALUE));
    assertNull(asMap.get(1100L));
  }
}

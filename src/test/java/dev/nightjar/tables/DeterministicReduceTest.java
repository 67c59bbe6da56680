package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nightjar.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * {@link Deterministic#reduceInOrder}: float sums whose bits depend on their order come out as
 * the partition-index-ordered fold, even when the last partitions' tasks finish first.
 */
class DeterministicReduceTest {
  private static final JavaSparkContext JSC = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());

  /**
   * One float per partition; partition i sleeps longer the smaller i is, so the tasks finish in
   * reverse order (which {@code reduce} would sum them in).
   */
  private static JavaRDD<Float> slowFirst(List<Float> values) {
    int n = values.size();
    return JSC.parallelize(values, n).mapPartitionsWithIndex((i, it) -> {
      Thread.sleep(40L * (n - i));
      return it;
    }, true);
  }

  private static float fold(List<Float> v) {
    float acc = v.get(0);
    for (int i = 1; i < v.size(); i++) {
      acc += v.get(i);
    }
    return acc;
  }

  private static List<Float> reversed(List<Float> v) {
    List<Float> r = new ArrayList<>(v);
    java.util.Collections.reverse(r);
    return r;
  }

  @Test
  void fewPartitionsFoldInIndexOrderWhateverFinishesFirst() {
    // 1e8 absorbs a 1 or a 0.5 (float's spacing there is 8), so the sum depends on the order.
    List<Float> v = List.of(1f, 1e8f, -1e8f, 0.5f);
    assertEquals(0.5f, fold(v)); // ((1 + 1e8) - 1e8) + 0.5
    assertEquals(1f, fold(reversed(v))); // the order the tasks finish in
    for (int run = 0; run < 3; run++) {
      assertEquals(0.5f, Deterministic.reduceInOrder(slowFirst(v), Float::sum), "run " + run);
    }
  }

  @Test
  void manyPartitionsFoldInGroupsOfConsecutivePartitions() {
    // 9 partitions: groups of 3 (0-2, 3-5, 6-8), each folded in index order on an executor
    // ((1 + 1e8) - 1e8 = 0; reversed 1), then the groups in order on the driver.
    List<Float> group = List.of(1f, 1e8f, -1e8f);
    List<Float> v = new ArrayList<>();
    for (int g = 0; g < 3; g++) {
      v.addAll(group);
    }
    float expected = (fold(group) + fold(group)) + fold(group);
    assertEquals(0f, expected);
    assertEquals(1f, fold(reversed(v)));
    assertEquals(3f, fold(reversed(group)) * 3);
    for (int run = 0; run < 2; run++) {
      assertEquals(expected, Deterministic.reduceInOrder(slowFirst(v), Float::sum), "run " + run);
    }
  }

  @Test
  void emptyPartitionsAreSkippedAndNoRowsFail() {
    JavaRDD<Float> sparse = JSC.parallelize(List.of(1e8f, 1f, -1e8f), 6); // some partitions empty
    assertEquals(0f, Deterministic.reduceInOrder(sparse, Float::sum));
    var e = assertThrows(UnsupportedOperationException.class,
        () -> Deterministic.reduceInOrder(JSC.parallelize(List.<Float>of(), 3), Float::sum));
    assertEquals("reduceInOrder of an empty collection", e.getMessage());
  }
}

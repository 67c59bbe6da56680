package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The published test vectors (also in the README): token → fingerprint → index. */
class FeatureHashingTest {
  @Test
  void emptyStringIsFarmHashConstantK2() {
    // FarmHash's Fingerprint64 of zero bytes is its constant k2: an anchor independent of Guava.
    assertEquals(0x9ae16a3b2f90404fL, FeatureHashing.fingerprint(""));
  }

  @Test
  void testVectors() {
    assertEquals("8706979271150186200", Long.toUnsignedString(FeatureHashing.fingerprint("shirt")));
    assertEquals(44760, FeatureHashing.index("shirt", 1 << 18));
    assertEquals(123658, FeatureHashing.index("cotton", 1 << 18));
    assertEquals(12931, FeatureHashing.index("t-shirt", 1 << 18));
    assertEquals(114051, FeatureHashing.index("caf\u00e9", 1 << 18));
    assertEquals(177073, FeatureHashing.index("\u043a\u043e\u0448\u043a\u0430", 1 << 18));
    // Unsigned modulo: this fingerprint is negative as a Java long.
    assertEquals("11274101299351511818", Long.toUnsignedString(FeatureHashing.fingerprint("cotton")));
    assertEquals(818, FeatureHashing.index("cotton", 1000));
  }

  @Test
  void bucketIsTheUnsignedRemainderForEverySize() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    int[] sizes = {1, 2, 1000, 1 << 18, (1 << 18) + 1, 1 << 22, 1 << 30, Integer.MAX_VALUE};
    long[] edge = {0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x9ae16a3b2f90404fL};
    for (int size : sizes) {
      for (long h : edge) {
        assertEquals(Long.remainderUnsigned(h, size), FeatureHashing.bucket(h, size), h + " mod " + size);
      }
      for (int k = 0; k < 10_000; k++) {
        long h = r.nextLong();
        assertEquals(Long.remainderUnsigned(h, size), FeatureHashing.bucket(h, size), h + " mod " + size);
      }
    }
  }

  @Test
  void termFrequenciesCountRepeatsWithSortedIndices() {
    FeatureHashing.SparseCounts c =
        FeatureHashing.termFrequencies(List.of("shirt", "cotton", "shirt"), 1000, false);
    assertArrayEquals(new int[] {200, 818}, c.indices());
    assertArrayEquals(new double[] {2.0, 1.0}, c.values());
    FeatureHashing.SparseCounts b =
        FeatureHashing.termFrequencies(List.of("shirt", "cotton", "shirt"), 1000, true);
    assertArrayEquals(new double[] {1.0, 1.0}, b.values());
    assertEquals(0, FeatureHashing.termFrequencies(List.of(), 1000, false).indices().length);
  }
}

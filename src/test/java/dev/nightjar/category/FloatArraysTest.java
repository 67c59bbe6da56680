package dev.nightjar.category;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class FloatArraysTest {
  private static byte[] serialize(Object o) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    return bytes.toByteArray();
  }

  private static Object deserialize(byte[] b) throws IOException, ClassNotFoundException {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b))) {
      return in.readObject();
    }
  }

  @Test
  void holderRoundTripsEveryBitAcrossChunks() throws Exception {
    // One value more than a chunk, with bit patterns a lossy copy would change.
    float[] a = new float[(1 << 16) + 1];
    for (int i = 0; i < a.length; i++) {
      a[i] = i * 0.37f - 100f;
    }
    a[0] = -0.0f;
    a[1] = Float.intBitsToFloat(0x7fc00001);
    a[a.length - 1] = Float.MIN_VALUE;
    float[] back = ((FloatArrays.Holder) deserialize(serialize(new FloatArrays.Holder(a)))).array();
    assertEquals(a.length, back.length);
    for (int i = 0; i < a.length; i++) {
      assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(back[i]), "value " + i);
    }
  }

  @Test
  void partialKeepsModelAndCounts() throws Exception {
    KeslerClassifier.Partial p = new KeslerClassifier.Partial(new float[] {1f, 2.5f, -3f}, 4.5, 7, 2);
    KeslerClassifier.Partial back = (KeslerClassifier.Partial) deserialize(serialize(p));
    assertArrayEquals(new float[] {1f, 2.5f, -3f}, back.model);
    assertEquals(4.5, back.loss);
    assertEquals(7, back.rows);
    assertEquals(2, back.tasks);
  }

  @Test
  void sparsePartialsSumToTheDenseBits() throws Exception {
    // A start model, and two tasks that each changed a few (weight, accumulator) pairs of it:
    // one a -0 over a 0 and a NaN payload, which compare equal (or unequal) as values but not as bits.
    float[] start = new float[64];
    for (int i = 0; i < start.length; i++) {
      start[i] = i * 0.1f - 1f;
    }
    start[10] = 0f;
    float[] t0 = start.clone();
    t0[4] = 7.25f;
    t0[5] = 3f;
    t0[10] = -0.0f;
    float[] t1 = start.clone();
    t1[4] = -2f;
    t1[63] = Float.intBitsToFloat(0x7fc00001);
    KeslerClassifier.Partial a = (KeslerClassifier.Partial) deserialize(
        serialize(KeslerClassifier.Partial.ofTask(t0.clone(), start, 1.5, 3)));
    KeslerClassifier.Partial b = (KeslerClassifier.Partial) deserialize(
        serialize(KeslerClassifier.Partial.ofTask(t1.clone(), start, 2.0, 4)));
    // Sent sparse: 2 + 1 changed pairs instead of 64 floats.
    assertEquals(true, serialize(KeslerClassifier.Partial.ofTask(t0.clone(), start, 1.5, 3)).length
        < serialize(new KeslerClassifier.Partial(t0.clone(), 1.5, 3, 1)).length - 100);
    KeslerClassifier.Partial sum = KeslerClassifier.Partial.add(a, b, start);
    float[] summed = sum.sum(start);
    for (int i = 0; i < start.length; i++) {
      assertEquals(Float.floatToRawIntBits(t0[i] + t1[i]), Float.floatToRawIntBits(summed[i]), "value " + i);
    }
    assertEquals(3.5, sum.loss);
    assertEquals(7, sum.rows);
    assertEquals(2, sum.tasks);
    // A single task's result, read back alone, is its whole model.
    float[] alone = ((KeslerClassifier.Partial) deserialize(
        serialize(KeslerClassifier.Partial.ofTask(t0.clone(), start, 0, 0)))).sum(start);
    for (int i = 0; i < start.length; i++) {
      assertEquals(Float.floatToRawIntBits(t0[i]), Float.floatToRawIntBits(alone[i]), "value " + i);
    }
    // A task that changed most pairs is sent dense, and reads back the same.
    float[] busy = start.clone();
    for (int i = 0; i < busy.length; i++) {
      busy[i] += 1f;
    }
    KeslerClassifier.Partial d = (KeslerClassifier.Partial) deserialize(
        serialize(KeslerClassifier.Partial.ofTask(busy.clone(), start, 0, 1)));
    assertArrayEquals(busy, d.model);
  }

  @Test
  void emptyArrayAndNegativeLength() throws Exception {
    assertEquals(0, ((FloatArrays.Holder) deserialize(serialize(new FloatArrays.Holder(new float[0])))).array().length);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeInt(-5);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      IOException e = assertThrows(IOException.class, () -> FloatArrays.read(in));
      assertEquals("FloatArrays: expected a non-negative length, found -5", e.getMessage());
    }
  }
}

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

package dev.nightjar.category;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * Large float arrays through Java serialization in bulk. ObjectOutputStream writes a float[] one
 * value at a time; the Kesler model (2 x 2^22 floats, 32 MB) crosses it twice per task and epoch
 * (broadcast, task result), and that per-value path was ~6% of a training run's CPU.
 */
final class FloatArrays {
  private static final int CHUNK = 1 << 16;

  private FloatArrays() {}

  /** Writes the length, then the values big-endian in chunks. */
  static void write(ObjectOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    ByteBuffer buf = ByteBuffer.allocate(4 * CHUNK);
    for (int off = 0; off < a.length; off += CHUNK) {
      int n = Math.min(CHUNK, a.length - off);
      buf.clear();
      buf.asFloatBuffer().put(a, off, n);
      out.write(buf.array(), 0, 4 * n);
    }
  }

  /** Reads what {@link #write} wrote. */
  static float[] read(ObjectInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("FloatArrays: expected a non-negative length, found " + length);
    }
    float[] a = new float[length];
    byte[] bytes = new byte[4 * CHUNK];
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    for (int off = 0; off < length; off += CHUNK) {
      int n = Math.min(CHUNK, length - off);
      in.readFully(bytes, 0, 4 * n);
      buf.clear();
      buf.asFloatBuffer().get(a, off, n);
    }
    return a;
  }

  /** A float[] that serializes in bulk, e.g. as a broadcast value. */
  static final class Holder implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient float[] array;

    Holder(float[] array) {
      this.array = array;
    }

    float[] array() {
      return array;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      FloatArrays.write(out, array);
    }

    private void readObject(ObjectInputStream in) throws IOException {
      array = FloatArrays.read(in);
    }
  }
}

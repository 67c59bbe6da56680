package dev.nightjar.category;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;

/**
 * Large float arrays through Java serialization and model files in bulk. ObjectOutputStream writes
 * a float[] one value at a time; the Kesler model (2 x 2^24 floats) crosses it twice per task and
 * epoch (broadcast, task result), and that per-value path was ~6% of a training run's CPU; {@code
 * weights.bin} read value by value took ~2 s for 2^22 weights before the JIT caught up.
 */
final class FloatArrays {
  private static final int CHUNK = 1 << 16;

  private FloatArrays() {}

  /** Writes the length, then the values big-endian (as DataOutput.writeFloat would) in chunks. */
  static void write(DataOutput out, float[] a) throws IOException {
    out.writeInt(a.length);
    ByteBuffer buf = ByteBuffer.allocate(4 * CHUNK);
    for (int off = 0; off < a.length; off += CHUNK) {
      int n = Math.min(CHUNK, a.length - off);
      buf.clear();
      buf.asFloatBuffer().put(a, off, n);
      out.write(buf.array(), 0, 4 * n);
    }
  }

  /** Reads what {@link #write} wrote; {@code source} names the data in errors. */
  static float[] read(DataInput in, String source) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException(source + ": expected a non-negative length, found " + length);
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

  static float[] read(ObjectInputStream in) throws IOException {
    return read(in, "FloatArrays");
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

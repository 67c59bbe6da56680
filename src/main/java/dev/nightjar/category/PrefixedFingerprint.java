package dev.nightjar.category;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * FarmHash Fingerprint64 (the function of Guava's {@code Hashing.farmHashFingerprint64()} and
 * TensorFlow's {@code StringToHashBucketFast}) of a class prefix followed by a term, for inputs
 * of up to {@value #MAX_LENGTH} bytes and prefixes of up to {@value #MAX_PREFIX} bytes: nearly
 * every Kesler feature. Prediction hashes each distinct term once per candidate class; reading the
 * 64-bit words of the concatenation straight from the prefix (held in a register) and the term,
 * instead of copying both into a buffer and hashing that, avoids the copies and the stalls of
 * reading back freshly written bytes. It is a transcription of FarmHash's {@code na} hash for
 * lengths 0 to 32; {@code KeslerModelTest} checks it against Guava for every length and prefix
 * size.
 */
final class PrefixedFingerprint {
  static final int MAX_PREFIX = 8;
  static final int MAX_LENGTH = 32;

  private static final long K0 = 0xc3a5c85c97cb3127L;
  private static final long K2 = 0x9ae16a3b2f90404fL;
  private static final long K1 = 0xb492b66fbe98f273L;
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private PrefixedFingerprint() {}

  /** The prefix bytes (at most 8) as a little-endian word, zero above them. */
  static long word(byte[] prefix) {
    long w = 0;
    for (int i = prefix.length - 1; i >= 0; i--) {
      w = (w << 8) | (prefix[i] & 0xFFL);
    }
    return w;
  }

  /** The first 8 bytes of a padded term, little-endian (see {@link #fingerprint}). */
  static long head(byte[] t) {
    return (long) LONG.get(t, 0);
  }

  /** The last 8 bytes of an {@code m}-byte padded term (0 when shorter: then unused). */
  static long tail(byte[] t, int m) {
    return m >= 8 ? (long) LONG.get(t, m - 8) : 0;
  }

  /**
   * Fingerprint64 of {@code prefix || term}: {@code pw} = {@link #word} of the {@code p}-byte
   * prefix, {@code t} the term's {@code m} bytes followed by at least 8 more (any values: they
   * are never part of the result); {@code p + m <= 32}.
   */
  static long fingerprint(long pw, int p, byte[] t, int m) {
    return fingerprint(pw, p, t, m, head(t), tail(t, m));
  }

  /** The same, with the term's {@link #head} and {@link #tail} computed once per term. */
  static long fingerprint(long pw, int p, byte[] t, int m, long head, long tail) {
    int len = p + m;
    if (len <= 16) {
      if (len >= 8) {
        long mul = K2 + len * 2L;
        long a = first(pw, p, head) + K2;
        long b = m >= 8 ? tail : spanning(pw, p, head, len - 8);
        long c = Long.rotateRight(b, 37) * mul + a;
        long d = (Long.rotateRight(a, 25) + b) * mul;
        return hashLength16(c, d, mul);
      }
      if (len >= 4) {
        long mul = K2 + len * 2;
        long a = load64(pw, p, t, 0) & 0xFFFFFFFFL;
        return hashLength16(len + (a << 3), load64(pw, p, t, len - 4) & 0xFFFFFFFFL, mul);
      }
      if (len > 0) {
        int a = byteAt(pw, p, t, 0);
        int b = byteAt(pw, p, t, len >> 1);
        int c = byteAt(pw, p, t, len - 1);
        int y = a + (b << 8);
        int z = len + (c << 2);
        return shiftMix(y * K2 ^ z * K0) * K2;
      }
      return K2;
    }
    long mul = K2 + len * 2L;
    long a = first(pw, p, head) * K1;
    long b = load64(pw, p, t, 8);
    long c = tail * mul; // m >= 9 here, as p <= 8
    long d = load64(pw, p, t, len - 16) * K2;
    return hashLength16(
        Long.rotateRight(a + b, 43) + Long.rotateRight(c, 30) + d,
        a + Long.rotateRight(b + K2, 18) + c,
        mul);
  }

  /** Bytes 0 .. 7 of {@code prefix || term}. */
  private static long first(long pw, int p, long head) {
    return p == 0 ? head : spanning(pw, p, head, 0);
  }

  /** Bytes {@code off .. off+7} for {@code off < p}: the prefix from off, then the term's head. */
  private static long spanning(long pw, int p, long head, int off) {
    int shift = 8 * (p - off); // 8 .. 64
    long low = pw >>> (8 * off);
    return shift == 64 ? low : low | (head << shift);
  }

  /** Bytes {@code off .. off+7} of {@code prefix || term}, little-endian (past the end: padding). */
  private static long load64(long pw, int p, byte[] t, int off) {
    return off >= p ? (long) LONG.get(t, off - p) : spanning(pw, p, head(t), off);
  }

  private static int byteAt(long pw, int p, byte[] t, int i) {
    return i < p ? (int) (pw >>> (8 * i)) & 0xFF : t[i - p] & 0xFF;
  }

  private static long shiftMix(long v) {
    return v ^ (v >>> 47);
  }

  private static long hashLength16(long u, long v, long mul) {
    long a = (u ^ v) * mul;
    a ^= (a >>> 47);
    long b = (v ^ a) * mul;
    b ^= (b >>> 47);
    b *= mul;
    return b;
  }
}

package dev.nightjar.text;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The hashing trick used by every Nightjar feature vector: a token's index is its FarmHash
 * Fingerprint64 (of the UTF-8 bytes), read as an unsigned 64-bit number, modulo the vector size.
 * TensorFlow's {@code StringToHashBucketFast} computes the same bucket, so an exported model can
 * hash inside its graph. Test vectors are in the README and in {@code FeatureHashingTest}.
 */
public final class FeatureHashing {
  /** The name recorded with every table and model whose vectors were hashed this way. */
  public static final String HASH_NAME = "farmhash_fingerprint64";

  private static final HashFunction FARM = Hashing.farmHashFingerprint64();

  private FeatureHashing() {}

  /** The unsigned 64-bit fingerprint of a token, as Java's signed long. */
  public static long fingerprint(String token) {
    return FARM.hashString(token, StandardCharsets.UTF_8).asLong();
  }

  /** The same fingerprint, of a token already encoded as UTF-8. */
  public static long fingerprint(byte[] utf8) {
    return FARM.hashBytes(utf8).asLong();
  }

  /** The token's index in a vector of {@code numFeatures}. */
  public static int index(String token, int numFeatures) {
    return bucket(fingerprint(token), numFeatures);
  }

  /**
   * A fingerprint's index: the unsigned 64-bit value modulo {@code numFeatures}. For a power of two
   * (every default size) that is the low bits, which spares a 64-bit division per feature.
   */
  public static int bucket(long fingerprint, int numFeatures) {
    if ((numFeatures & (numFeatures - 1)) == 0) {
      return (int) (fingerprint & (numFeatures - 1));
    }
    return (int) Long.remainderUnsigned(fingerprint, numFeatures);
  }

  /** A sparse term-frequency vector: strictly increasing indices with their counts. */
  public record SparseCounts(int size, int[] indices, double[] values) {}

  /**
   * Counts the tokens' indices. {@code binary} records presence (1.0) instead of the count.
   */
  public static SparseCounts termFrequencies(List<String> tokens, int numFeatures, boolean binary) {
    return termFrequencies(tokens.size(), tokens::get, numFeatures, binary);
  }

  /** The same, for {@code n} tokens given by position (no copy of a Scala sequence needed). */
  public static SparseCounts termFrequencies(
      int n, java.util.function.IntFunction<String> tokens, int numFeatures, boolean binary) {
    int[] idx = new int[n];
    for (int i = 0; i < n; i++) {
      idx[i] = index(tokens.apply(i), numFeatures);
    }
    return counts(idx, numFeatures, binary);
  }

  /** The vector of tokens given by their indices ({@code idx} is sorted in place). */
  public static SparseCounts counts(int[] idx, int numFeatures, boolean binary) {
    int n = idx.length;
    Arrays.sort(idx);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
      if (i == 0 || idx[i] != idx[i - 1]) {
        distinct++;
      }
    }
    int[] indices = new int[distinct];
    double[] values = new double[distinct];
    int k = -1;
    for (int i = 0; i < n; i++) {
      if (i == 0 || idx[i] != idx[i - 1]) {
        indices[++k] = idx[i];
        values[k] = 1.0;
      } else if (!binary) {
        values[k] += 1.0;
      }
    }
    return new SparseCounts(numFeatures, indices, values);
  }
}

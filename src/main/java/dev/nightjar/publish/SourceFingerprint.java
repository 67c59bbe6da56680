package dev.nightjar.publish;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

/**
 * What a model's source directory holds, as one SHA-256: the relative names and contents of its
 * files (hidden and {@code _}-prefixed marker files excluded). A model trained again on the same
 * data must get the same print, so that rerunning a date publishes no second version; so the parts
 * of a save that change on every save are masked first:
 *
 * <ul>
 *   <li>in names and in text files: Spark's random file UUIDs ({@code part-00000-<uuid>-c000}) and
 *       the random 12-hex-digit suffix of every ML stage uid ({@code 1_logreg_c35617e9abcf});
 *   <li>in text files (JSON metadata): the save time ({@code "timestamp"}) and the training wall
 *       time ({@code "trainSeconds"}).
 * </ul>
 *
 * Parquet files are hashed by their records; other binary files (weights, compressed parts) as
 * they are.
 */
final class SourceFingerprint {
  private static final Pattern RANDOM_ID = Pattern.compile(
      "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?<=_)[0-9a-f]{12}(?![0-9a-zA-Z])");
  private static final Pattern RUN_TIMES =
      Pattern.compile("(\"(?:timestamp|trainSeconds)\"\\s*:\\s*)[-+0-9.eE]+");
  /** Text files are read whole; larger ones (none of our metadata) are hashed as bytes. */
  private static final int MAX_TEXT_BYTES = 1 << 20;

  private SourceFingerprint() {}

  static String of(FileSystem fs, Path dir) throws IOException {
    Path root = fs.makeQualified(dir);
    String prefix = root.toUri().getPath();
    TreeMap<String, LocatedFileStatus> files = new TreeMap<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      LocatedFileStatus s = it.next();
      String name = s.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      String relative = mask(s.getPath().toUri().getPath().substring(prefix.length()));
      if (files.put(relative, s) != null) {
        throw new IOException("Two files of " + dir + " differ only in random ids: " + relative);
      }
    }
    if (files.isEmpty()) {
      throw new IOException("No files under " + dir);
    }
    MessageDigest md = sha256();
    byte[] buf = new byte[1 << 16];
    for (Map.Entry<String, LocatedFileStatus> e : files.entrySet()) {
      md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
      md.update((byte) 0);
      LocatedFileStatus s = e.getValue();
      if (e.getKey().endsWith(".parquet")) {
        parquetRecords(fs, s.getPath(), md);
        md.update((byte) 0);
        continue;
      }
      try (InputStream in = fs.open(s.getPath())) {
        if (isText(e.getKey()) && s.getLen() <= MAX_TEXT_BYTES) {
          ByteArrayOutputStream text = new ByteArrayOutputStream((int) s.getLen());
          in.transferTo(text);
          String masked = RUN_TIMES.matcher(mask(text.toString(StandardCharsets.UTF_8))).replaceAll("$1_");
          md.update(masked.getBytes(StandardCharsets.UTF_8));
        } else {
          for (int n; (n = in.read(buf)) > 0; ) {
            md.update(buf, 0, n);
          }
        }
      }
      md.update((byte) 0);
    }
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  /**
   * A Parquet file's records, not its bytes: Parquet's footer is not canonical (the same rows
   * written twice gave files differing in 8 footer bytes), while the values are what a model is.
   */
  private static void parquetRecords(FileSystem fs, Path file, MessageDigest md) throws IOException {
    try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(fs.getConf()).build()) {
      for (Group g; (g = reader.read()) != null; ) {
        md.update(g.toString().getBytes(StandardCharsets.UTF_8));
        md.update((byte) '\n');
      }
    }
  }

  static String mask(String s) {
    return RANDOM_ID.matcher(s).replaceAll("#");
  }

  /** JSON and text files, and Spark ML's metadata ({@code metadata/part-00000}, JSON lines). */
  private static boolean isText(String relative) {
    return relative.endsWith(".json") || relative.endsWith(".txt")
        || relative.matches("(.*/)?metadata/part-\\d+(-#)?(-c\\d+)?(\\.txt)?");
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

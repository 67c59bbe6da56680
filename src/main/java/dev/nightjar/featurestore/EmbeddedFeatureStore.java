package dev.nightjar.featurestore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature store without a server: one gzipped JSON Lines file, {@code DIR/snapshot.jsonl.gz},
 * written beside it as {@code .tmp-*} and renamed over it (an atomic replace on a local file
 * system). The first line is a header with the version, then one {@code {"k": shop, "v": row}} per
 * shop, then a trailer with the row count, so a truncated file is refused rather than half-read.
 * Readers hold the whole snapshot in memory and look for a new file at most every {@code
 * refreshMillis}; one reader reloads while the others keep answering from the old snapshot.
 */
public final class EmbeddedFeatureStore implements FeatureStore {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedFeatureStore.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String FILE = "snapshot.jsonl.gz";
  static final String FORMAT = "nightjar-feature-snapshot-1";

  private record Snapshot(String version, Map<String, String> rows, Object fileKey, long modified, long size) {}

  private final Path dir;
  private final long refreshMillis;
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
  private final ReentrantLock reload = new ReentrantLock();
  private volatile long lastCheck = Long.MIN_VALUE;
  /** The file (key, time, size) that last failed to load, so it is not read again every check. */
  private volatile String failed;

  public EmbeddedFeatureStore(Path dir, long refreshMillis) {
    this.dir = dir;
    this.refreshMillis = refreshMillis;
  }

  public Path file() {
    return dir.resolve(FILE);
  }

  @Override
  public long putAll(String version, Iterator<Map.Entry<String, String>> rows) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(".tmp-" + UUID.randomUUID());
    long n = 0;
    try {
      try (Writer w = new BufferedWriter(new OutputStreamWriter(
          new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16), StandardCharsets.UTF_8))) {
        ObjectNode header = JSON.createObjectNode().put("format", FORMAT).put("version", version);
        w.write(JSON.writeValueAsString(header));
        w.write('\n');
        while (rows.hasNext()) {
          Map.Entry<String, String> e = rows.next();
          ObjectNode line = JSON.createObjectNode().put("k", Objects.requireNonNull(e.getKey(), "shop id"));
          line.set("v", parseRow(e.getKey(), e.getValue()));
          w.write(JSON.writeValueAsString(line));
          w.write('\n');
          n++;
        }
        w.write(JSON.writeValueAsString(JSON.createObjectNode().put("rows", n)));
        w.write('\n');
      }
      Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    lastCheck = Long.MIN_VALUE;
    return n;
  }

  static JsonNode parseRow(String shopId, String json) throws IOException {
    JsonNode v = JSON.readTree(json);
    if (v == null || !v.isObject()) {
      throw new IOException("The feature row of shop " + shopId + " must be a JSON object, found " + json);
    }
    return v;
  }

  @Override
  public Optional<String> get(String shopId) throws IOException {
    Snapshot s = current();
    return s == null ? Optional.empty() : Optional.ofNullable(s.rows().get(shopId));
  }

  @Override
  public Optional<String> version() throws IOException {
    Snapshot s = current();
    return s == null ? Optional.empty() : Optional.of(s.version());
  }

  private Snapshot current() throws IOException {
    Snapshot s = snapshot.get();
    long now = System.nanoTime();
    boolean due = s == null || lastCheck == Long.MIN_VALUE || now - lastCheck >= refreshMillis * 1_000_000L;
    // Only one thread looks at the file; the others answer from the snapshot they have.
    if (due && (s == null ? lock() : reload.tryLock())) {
      try {
        lastCheck = System.nanoTime();
        s = snapshot.get();
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(file(), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          return s;
        }
        String seen = a.fileKey() + "/" + a.lastModifiedTime().toMillis() + "/" + a.size();
        boolean changed = s == null || !Objects.equals(s.fileKey(), a.fileKey())
            || s.modified() != a.lastModifiedTime().toMillis() || s.size() != a.size();
        if (changed && (s == null || !seen.equals(failed))) {
          try {
            Snapshot fresh = load(a);
            snapshot.set(fresh);
            LOG.info("Feature snapshot {} loaded from {}: {} shops", fresh.version(), file(), fresh.rows().size());
            s = fresh;
          } catch (IOException e) {
            failed = seen;
            if (s == null) {
              throw e;
            }
            LOG.error("Cannot read the feature snapshot {}; still serving version {}: {}", file(), s.version(), e.toString());
          }
        }
      } finally {
        reload.unlock();
      }
    }
    return s;
  }

  private boolean lock() {
    reload.lock();
    return true;
  }

  private Snapshot load(BasicFileAttributes a) throws IOException {
    Map<String, String> rows = new HashMap<>();
    String version;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file()), 1 << 16), StandardCharsets.UTF_8))) {
      JsonNode header = JSON.readTree(Objects.requireNonNullElse(r.readLine(), ""));
      if (header == null || !FORMAT.equals(header.path("format").asText())) {
        throw new IOException(file() + " is not a feature snapshot: expected a header with format " + FORMAT);
      }
      version = header.path("version").asText();
      long trailer = -1;
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode n = JSON.readTree(line);
        if (n.has("rows")) {
          trailer = n.get("rows").asLong();
          break;
        }
        rows.put(n.get("k").asText(), JSON.writeValueAsString(n.get("v")));
      }
      if (trailer != rows.size()) {
        throw new IOException(file() + " is truncated: expected a trailer with the row count, found "
            + (trailer < 0 ? "none" : trailer) + " after " + rows.size() + " rows");
      }
    }
    return new Snapshot(version, rows, a.fileKey(), a.lastModifiedTime().toMillis(), a.size());
  }

  @Override
  public String describe() {
    return "embedded " + file();
  }

  @Override
  public void close() {}
}

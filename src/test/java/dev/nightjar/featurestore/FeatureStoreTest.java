package dev.nightjar.featurestore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both feature stores against one contract; Redis is a real redis-server started here. */
public class FeatureStoreTest {
  @TempDir Path tmp;

  static Map<String, String> rows(int n, String tag) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      m.put("shop-" + i, "{\"visitors_30d\": " + (i * 10) + ", \"country\": \"" + tag + "\", \"past_cpv_ln_mean\": null}");
    }
    return m;
  }

  /** What every store must do: snapshots replace each other whole, readers see one or the other. */
  static void contract(FeatureStore writer, FeatureStore reader) throws Exception {
    assertTrue(reader.version().isEmpty());
    assertTrue(reader.get("shop-1").isEmpty());
    assertEquals(2500, writer.putAll("2026-11-19", rows(2500, "DE").entrySet().iterator()));
    assertEquals(Optional.of("2026-11-19"), reader.version());
    assertEquals(Optional.of("{\"visitors_30d\":10,\"country\":\"DE\",\"past_cpv_ln_mean\":null}"),
        reader.get("shop-1").map(s -> s.replace(" ", "")));
    assertTrue(reader.get("shop-2499").isPresent());
    // The next night: fewer shops, new values; the old snapshot is gone as a whole.
    writer.putAll("2026-11-20", rows(10, "FR").entrySet().iterator());
    assertEquals(Optional.of("2026-11-20"), reader.version());
    assertTrue(reader.get("shop-9").orElseThrow().contains("FR"));
    assertTrue(reader.get("shop-10").isEmpty(), "a shop absent from the new snapshot is unknown");
    // A rerun of the same date replaces it too.
    writer.putAll("2026-11-20", rows(3, "IT").entrySet().iterator());
    assertTrue(reader.get("shop-2").orElseThrow().contains("IT"));
    assertTrue(reader.get("shop-5").isEmpty());
    // Rows must be JSON objects; a bad row fails the batch and the served snapshot stays.
    Exception e = assertThrows(Exception.class,
        () -> writer.putAll("2026-11-21", List.of(Map.entry("x", "[1, 2]")).iterator()));
    assertEquals("The feature row of shop x must be a JSON object, found [1, 2]", e.getMessage());
    assertEquals(Optional.of("2026-11-20"), reader.version());
    assertTrue(reader.get("shop-2").orElseThrow().contains("IT"));
  }

  @Test
  void embedded() throws Exception {
    Path dir = tmp.resolve("online");
    try (FeatureStore w = new EmbeddedFeatureStore(dir, 0); FeatureStore r = new EmbeddedFeatureStore(dir, 0)) {
      contract(w, r);
    }
    try (var s = Files.list(dir)) {
      assertEquals(List.of("snapshot.jsonl.gz"), s.map(p -> p.getFileName().toString()).toList(), "no temporary files left");
    }
  }

  @Test
  void embeddedReaderKeepsItsSnapshotWhenTheFileIsDamaged() throws Exception {
    Path dir = tmp.resolve("online");
    EmbeddedFeatureStore w = new EmbeddedFeatureStore(dir, 0);
    w.putAll("v1", rows(100, "DE").entrySet().iterator());
    EmbeddedFeatureStore r = new EmbeddedFeatureStore(dir, 0);
    assertEquals(Optional.of("v1"), r.version());
    // Truncate: the trailer is missing, so the reader refuses it and keeps v1.
    byte[] whole = Files.readAllBytes(w.file());
    EmbeddedFeatureStore other = new EmbeddedFeatureStore(tmp.resolve("other"), 0);
    other.putAll("v2", rows(100, "FR").entrySet().iterator());
    byte[] v2 = Files.readAllBytes(other.file());
    java.io.ByteArrayOutputStream cut = new java.io.ByteArrayOutputStream();
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(v2));
        var out = new java.util.zip.GZIPOutputStream(cut)) {
      byte[] text = in.readAllBytes();
      int half = text.length / 2;
      while (text[half - 1] != '\n') {
        half--;
      }
      out.write(text, 0, half);
    }
    Files.write(w.file(), cut.toByteArray());
    assertEquals(Optional.of("v1"), r.version());
    assertTrue(r.get("shop-1").orElseThrow().contains("DE"));
    IOException e = assertThrows(IOException.class, () -> new EmbeddedFeatureStore(dir, 0).get("shop-1"));
    assertTrue(e.getMessage().startsWith(w.file() + " is truncated: expected a trailer with the row count"), e.getMessage());
    assertTrue(whole.length > 0);
  }

  @Test
  void configuration() {
    Config c = Settings.load(new java.io.File("/nonexistent"), null, Map.of());
    FeatureStore s = FeatureStore.open(c, tmp.toString()).orElseThrow();
    assertEquals("embedded " + tmp.resolve("online/budget_features/snapshot.jsonl.gz"), s.describe());
    assertTrue(FeatureStore.open(Settings.load(new java.io.File("/nonexistent"), null,
        Map.of("budget.feature-store.kind", "none")), tmp.toString()).isEmpty());
    UsageException e = assertThrows(UsageException.class, () -> FeatureStore.open(c, "hdfs://nn/warehouse"));
    assertTrue(e.getMessage().startsWith("The embedded feature store needs a local warehouse, found hdfs://nn/warehouse"));
    // budget-features refuses an embedded store under a remote warehouse before reading anything.
    dev.nightjar.common.JobContext ctx = new dev.nightjar.common.JobContext("budget-features",
        Settings.load(new java.io.File("/nonexistent"), null, Map.of("warehouse.root", "hdfs://nn/wh")),
        java.time.LocalDate.of(2026, 11, 20), true, Map.of(), java.util.Set.of());
    e = assertThrows(UsageException.class, () -> new dev.nightjar.budget.BudgetFeaturesJob().validate(ctx));
    assertTrue(e.getMessage().contains("set budget.feature-store.path to a local directory, or budget.feature-store.kind = redis"),
        e.getMessage());
    Config memcached = Settings.load(new java.io.File("/nonexistent"), null, Map.of("budget.feature-store.kind", "memcached"));
    e = assertThrows(UsageException.class, () -> FeatureStore.open(memcached, tmp.toString()));
    assertTrue(e.getMessage().contains("budget.feature-store.kind"), e.getMessage());
  }

  /** A redis-server of our own on a free port, without persistence; stopped by close(). */
  public static final class RedisServer implements AutoCloseable {
    final Process process;
    final int port;

    public RedisServer(Path dir) throws Exception {
      Assumptions.assumeTrue(onPath("redis-server"),
          "redis-server is not installed (jobs/setup-redis installs it): skipping the Redis feature-store tests");
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        try (var sock = new java.net.Socket("127.0.0.1", port)) {
          break;
        } catch (IOException e) {
          if (!process.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("redis-server did not start on port " + port + ": "
                + Files.readString(dir.resolve("redis.log")));
          }
          Thread.sleep(20);
        }
      }
    }

    public URI uri() {
      return URI.create("redis://127.0.0.1:" + port);
    }

    @Override
    public void close() throws Exception {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }

    static boolean onPath(String exe) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
        if (Files.isExecutable(Path.of(d, exe))) {
          return true;
        }
      }
      return false;
    }
  }

  @Test
  void redis() throws Exception {
    try (RedisServer server = new RedisServer(tmp);
        RedisFeatureStore w = new RedisFeatureStore(server.uri(), "test:features", 0);
        RedisFeatureStore r = new RedisFeatureStore(server.uri(), "test:features", 0)) {
      contract(w, r);
      // Only the current and the previous snapshot (and the two pointers) remain.
      try (var j = new redis.clients.jedis.Jedis(server.uri())) {
        List<String> keys = new ArrayList<>(j.keys("test:features*"));
        java.util.Collections.sort(keys);
        assertEquals(4, keys.size(), keys.toString());
        assertEquals(List.of("test:features:current", "test:features:previous"), keys.subList(0, 2));
        assertEquals(-1, j.ttl(keys.get(2)), "a switched-to snapshot does not expire");
      }
      assertTrue(w.describe().startsWith("redis://127.0.0.1:" + server.port));
    }
  }
}

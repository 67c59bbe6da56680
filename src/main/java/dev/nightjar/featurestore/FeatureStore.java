package dev.nightjar.featurestore;

import com.typesafe.config.Config;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * The online feature store: the latest feature row of every shop, written in one batch by the
 * nightly {@code budget-features} job and read one shop at a time by {@code /v1/budget}. A row is
 * a JSON object (the columns of {@code budget_features}). A batch replaces the whole snapshot
 * atomically: a reader sees the old snapshot or the new one, never a mix or a half-written one.
 */
public interface FeatureStore extends AutoCloseable {
  String KIND = "budget.feature-store.kind";
  String PATH = "budget.feature-store.path";
  String URL = "budget.feature-store.url";
  String KEY_PREFIX = "budget.feature-store.key-prefix";
  String REFRESH_MS = "budget.feature-store.refresh-ms";
  /** Where the embedded store lives by default, under the warehouse. */
  String DEFAULT_DIR = "online/budget_features";

  /**
   * Replaces the snapshot with {@code rows} (shop id → JSON object), labelled {@code version}
   * (the run date). Returns the number of rows written.
   */
  long putAll(String version, Iterator<Map.Entry<String, String>> rows) throws Exception;

  /** The shop's feature row (a JSON object), or empty when the snapshot has no such shop. */
  Optional<String> get(String shopId) throws Exception;

  /** The label of the snapshot readers see now, or empty before the first one. */
  Optional<String> version() throws Exception;

  /** What and where the store is, for logs and /healthz (no secrets). */
  String describe();

  @Override
  void close();

  /** Checks {@code budget.feature-store.*} without connecting to anything. */
  static void checkConfig(Config c) {
    String kind = Settings.oneOf(c, KIND, "embedded", "redis", "none");
    Settings.longIn(c, REFRESH_MS, 0, 86_400_000L);
    if (kind.equals("redis")) {
      URI u = URI.create(Settings.string(c, URL));
      if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
        throw Settings.bad(URL, u, "a Redis URL redis://[:password@]host:port[/db]");
      }
    }
  }

  /**
   * The store configured by {@code budget.feature-store.*}, or empty for kind {@code none}.
   *
   * @param warehouseRoot the warehouse (a local directory or {@code file:} URI for the embedded store)
   */
  static Optional<FeatureStore> open(Config c, String warehouseRoot) {
    checkConfig(c);
    String kind = Settings.string(c, KIND);
    long refresh = Settings.longIn(c, REFRESH_MS, 0, 86_400_000L);
    switch (kind) {
      case "embedded": {
        String p = Settings.string(c, PATH);
        Path dir = p.isBlank() ? localDir(warehouseRoot).resolve(DEFAULT_DIR) : Path.of(p);
        return Optional.of(new EmbeddedFeatureStore(dir, refresh));
      }
      case "redis":
        return Optional.of(new RedisFeatureStore(URI.create(Settings.string(c, URL)),
            Settings.string(c, KEY_PREFIX), refresh));
      default:
        return Optional.empty();
    }
  }

  /** A warehouse root as a local directory; the embedded store cannot live on HDFS or S3. */
  static Path localDir(String warehouseRoot) {
    URI u = URI.create(warehouseRoot.replace('\\', '/').replace(" ", "%20"));
    if (u.getScheme() == null) {
      return Path.of(warehouseRoot).toAbsolutePath();
    }
    if (u.getScheme().equals("file")) {
      return Path.of(u);
    }
    throw new UsageException("The embedded feature store needs a local warehouse, found " + warehouseRoot
        + ": set " + PATH + " to a local directory, or " + KIND + " = redis (or none)");
  }
}

package dev.nightjar.common;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The one place that builds a SparkSession, so every entry point gets Delta and the same tuning. */
public final class SparkSessions {
  private SparkSessions() {}

  /**
   * The active session, or a new one. Under {@code spark-submit} the master and resources come from
   * the submit command; run directly (tests, an IDE) it falls back to {@code local[*]}.
   */
  public static SparkSession getOrCreate(String appName) {
    return getOrCreate(appName, false);
  }

  /** Set by jobs/run when stderr is a terminal: show progress there. */
  public static final String PROGRESS_PROPERTY = "nightjar.progress";

  /** Whether progress lines go to stderr (jobs/run sets it when stderr is a terminal). */
  public static boolean progress() {
    return Boolean.getBoolean(PROGRESS_PROPERTY);
  }

  /**
   * Like {@link #getOrCreate(String)}; {@code ui} turns the web UI on at a free port (local
   * sessions have none otherwise). An existing session is returned as it is.
   */
  public static SparkSession getOrCreate(String appName, boolean ui) {
    SparkConf conf = new SparkConf();
    SparkSession.Builder b =
        SparkSession.builder()
            .appName(appName)
            .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
            .config(
                "spark.sql.catalog.spark_catalog",
                "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    String master = conf.get("spark.master", "local[*]");
    if (!conf.contains("spark.master")) {
      b.master(master);
    }
    if (master.startsWith("local")) {
      localTuning().forEach((k, v) -> setIfAbsent(b, conf, k, v));
    }
    if (ui) {
      b.config("spark.ui.enabled", "true");
      // 0 = any free port; Spark then reports the URL it bound.
      setIfAbsent(b, conf, "spark.ui.port", "0");
    }
    // Stage and task counts on stderr, redrawn in place: only for a person watching a terminal.
    setIfAbsent(b, conf, "spark.ui.showConsoleProgress", String.valueOf(progress()));
    setIfAbsent(b, conf, "spark.sql.session.timeZone", "UTC");
    return b.getOrCreate();
  }

  /**
   * What a local session sets unless given: small local runs with a handful of shuffle partitions
   * and no web UI start much faster. (jobs/bench cluster gives a cluster run the same, to compare.)
   */
  public static Map<String, String> localTuning() {
    int cores = Runtime.getRuntime().availableProcessors();
    Map<String, String> m = new LinkedHashMap<>();
    m.put("spark.sql.shuffle.partitions", String.valueOf(Math.max(2, 2 * cores)));
    m.put("spark.ui.enabled", "false");
    m.put("spark.databricks.delta.snapshotPartitions", "2");
    // Compiled query code is cached by its source; the default 100 entries evict and recompile
    // the same Delta log and table queries action after action (the sample nightly: 1,245
    // compilations, 821 with the larger cache, ~10% less CPU).
    m.put("spark.sql.codegen.cache.maxEntries", "2000");
    return m;
  }

  private static void setIfAbsent(SparkSession.Builder b, SparkConf conf, String key, String value) {
    if (!conf.contains(key)) {
      b.config(key, value);
    }
  }
}

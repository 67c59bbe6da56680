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
    return m;
  }

  private static void setIfAbsent(SparkSession.Builder b, SparkConf conf, String key, String value) {
    if (!conf.contains(key)) {
      b.config(key, value);
    }
  }
}

package dev.nightjar.testing;

import dev.nightjar.common.SparkSessions;
import java.io.File;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** The one local SparkSession every test shares (the suite runs in one JVM). */
public final class SharedSpark {
  private static SparkSession spark;

  private SharedSpark() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      System.setProperty("spark.master", "local[2]");
      System.setProperty("spark.sql.shuffle.partitions", "2");
      System.setProperty("spark.ui.enabled", "false");
      System.setProperty("spark.driver.host", "127.0.0.1");
      System.setProperty("spark.driver.bindAddress", "127.0.0.1");
      spark = SparkSessions.getOrCreate("nightjar-tests");
    }
    return spark;
  }

  /** {@code ../shared/data} when present (CI has it; a fresh laptop may not). */
  public static File sharedData() {
    String dir = System.getProperty("nightjar.shared.dir", "../shared");
    return Path.of(dir, "data").toFile();
  }
}

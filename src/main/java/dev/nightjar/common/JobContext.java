package dev.nightjar.common;

import com.typesafe.config.Config;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a job run needs: its settings, run date, warehouse and (created on first use, after
 * validation) the SparkSession.
 */
public final class JobContext {
  private static final Logger LOG = LoggerFactory.getLogger(JobContext.class);

  private final String jobName;
  private final Config config;
  private final LocalDate runDate;
  private final boolean dateGiven;
  private final Map<String, String> options;
  private final Set<String> flags;
  private SparkSession spark;
  private Warehouse warehouse;

  public JobContext(
      String jobName,
      Config config,
      LocalDate runDate,
      boolean dateGiven,
      Map<String, String> options,
      Set<String> flags) {
    this.jobName = jobName;
    this.config = config;
    this.runDate = runDate;
    this.dateGiven = dateGiven;
    this.options = Map.copyOf(options);
    this.flags = Set.copyOf(flags);
  }

  public String jobName() {
    return jobName;
  }

  public Config config() {
    return config;
  }

  /** The run date: the {@code ds} partition this run writes. */
  public LocalDate runDate() {
    return runDate;
  }

  /** Whether the run date was given with {@code --date} rather than defaulted to today. */
  public boolean dateGiven() {
    return dateGiven;
  }

  /** The value of an option the job reads itself (one not bound to a configuration key). */
  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  public boolean flag(String name) {
    return flags.contains(name);
  }

  public synchronized SparkSession spark() {
    if (spark == null) {
      spark = SparkSessions.getOrCreate("nightjar " + jobName);
      spark.sparkContext().setJobGroup(jobName, "nightjar " + jobName + " ds=" + runDate, false);
    }
    return spark;
  }

  public synchronized Warehouse warehouse() {
    if (warehouse == null) {
      warehouse = new Warehouse(spark(), Settings.string(config, "warehouse.root"));
    }
    return warehouse;
  }

  /** Names the Spark jobs that follow in the UI and the event log: one call per stage of work. */
  public void stage(String description) {
    LOG.info("{}: {}", jobName, description);
    spark().sparkContext().setJobDescription(jobName + " ds=" + runDate + ": " + description);
  }
}

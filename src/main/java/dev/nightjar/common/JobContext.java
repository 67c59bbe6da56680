package dev.nightjar.common;

import com.typesafe.config.Config;
import java.time.LocalDate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a job run needs: its settings, run date and (created on first use, after
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
  private final java.io.PrintStream out;
  private final java.io.PrintStream err;
  private final long startNanos = System.nanoTime();
  private SparkSession spark;

  public JobContext(
      String jobName,
      Config config,
      LocalDate runDate,
      boolean dateGiven,
      Map<String, String> options,
      Set<String> flags) {
    this(jobName, config, runDate, dateGiven, options, flags, System.out, System.err);
  }

  /**
   * @param out where the job prints its result (stdout under jobs/run; nothing else goes there)
   * @param err where it prints progress and messages for people (stderr)
   */
  public JobContext(
      String jobName,
      Config config,
      LocalDate runDate,
      boolean dateGiven,
      Map<String, String> options,
      Set<String> flags,
      java.io.PrintStream out,
      java.io.PrintStream err) {
    this.out = out;
    this.err = err;
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

  /** Where the job prints its result: stdout, parseable, nothing else on it. */
  public java.io.PrintStream out() {
    return out;
  }

  /** Where the job prints messages for people: stderr. */
  public java.io.PrintStream err() {
    return err;
  }

  /** {@code --json}: print the result as JSON. */
  public boolean json() {
    return flags.contains("json");
  }

  public synchronized SparkSession spark() {
    if (spark == null) {
      boolean hadSession = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
      spark = SparkSessions.getOrCreate("nightjar " + jobName, flag("ui"));
      if (flag("ui")) {
        scala.Option<String> url = spark.sparkContext().uiWebUrl();
        err.println(url.isDefined() ? "nightjar: Spark UI at " + url.get()
            : "nightjar: no Spark UI: " + (hadSession ? "the session was built without it" : "spark.ui.enabled is false"));
      }
      spark.sparkContext().setJobGroup(jobName, "nightjar " + jobName + " ds=" + runDate, false);
    }
    return spark;
  }

  /** Names the Spark jobs that follow in the UI and the event log: one call per stage of work. */
  public void stage(String description) {
    LOG.info("{}: {}", jobName, description);
    if (SparkSessions.progress()) {
      err.printf(java.util.Locale.ROOT, "%s %6.1fs  %s%n", jobName, (System.nanoTime() - startNanos) / 1e9, description);
    }
    spark().sparkContext().setJobDescription(jobName + " ds=" + runDate + ": " + description);
  }
}

package dev.nightjar;

import com.typesafe.config.Config;
import dev.nightjar.common.CommandLine;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one entry point of the job jar: {@code spark-submit --class dev.nightjar.Main nightjar.jar
 * JOB [options]}. Parses and validates everything before a SparkSession exists, so a typo costs
 * a second, not a cluster slot.
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    // spark-submit would otherwise keep non-daemon threads (and the status) alive.
    System.exit(status);
  }

  /** Runs a job and returns its exit status; never calls {@code System.exit} (tests call this). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      return runJob(args, out).exitCode();
    } catch (UsageException e) {
      err.println("nightjar: " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (JobFailedException e) {
      err.println("nightjar: job failed: " + e.getMessage());
      LOG.debug("Job failed", e);
      return e.exitCode();
    }
  }

  /** Like {@link #run} but returns the job's result and throws its exceptions. */
  public static JobResult runJob(String[] args, PrintStream out) {
    List<Job> jobs = jobs();
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      printJobs(jobs, out);
      return JobResult.builder("help").build();
    }
    Job job =
        jobs.stream()
            .filter(j -> j.name().equals(args[0]))
            .findFirst()
            .orElseThrow(
                () ->
                    new UsageException(
                        "Unknown job '" + args[0] + "' (see: jobs/run --help for the list)"));
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    CommandLine cl = CommandLine.parse(job, rest);
    Config config = Settings.load(null, cl.confFile(), cl.overrides());
    if (cl.flags().contains("help")) {
      printJobHelp(job, config, out);
      return JobResult.builder(job.name()).build();
    }
    JobContext ctx = new JobContext(job.name(), config, cl.date(), cl.dateGiven(), cl.options(), cl.flags());
    job.validate(ctx);
    LOG.info(
        "Starting {} ds={} with configuration:\n{}",
        job.name(),
        cl.date(),
        Settings.describe(config, Settings.reference()));
    JobResult result = job.run(ctx);
    LOG.info("{}", result.summaryLine());
    out.println(result.summaryLine());
    return result;
  }

  public static List<Job> jobs() {
    List<Job> jobs = new ArrayList<>();
    ServiceLoader.load(Job.class, Main.class.getClassLoader()).forEach(jobs::add);
    jobs.sort(Comparator.comparing(Job::name));
    return jobs;
  }

  private static void printJobs(List<Job> jobs, PrintStream out) {
    out.println("Usage: jobs/run JOB [spark-submit options] [job options]   (jobs/run JOB --help)");
    out.println();
    out.println("Jobs:");
    for (Job j : jobs) {
      if (!j.isBenchmark()) {
        out.printf("  %-18s %s%n", j.name(), j.description());
      }
    }
    out.println();
    out.println("Benchmarks (jobs/bench NAME):");
    for (Job j : jobs) {
      if (j.isBenchmark()) {
        out.printf("  %-18s %s%n", j.name().substring("bench-".length()), j.description());
      }
    }
  }

  private static void printJobHelp(Job job, Config config, PrintStream out) {
    out.println("Usage: jobs/run " + job.name()
        + (job.commands().isEmpty() ? "" : " " + String.join("|", job.commands())) + " [options]");
    out.println(job.description());
    out.println();
    out.println("Options:");
    List<OptionSpec> all = new ArrayList<>(job.options());
    all.addAll(CommandLine.COMMON);
    for (OptionSpec o : all) {
      String left = "--" + o.name() + (o.isFlag() ? "" : " " + o.valueName());
      String dflt;
      if (o.configKey() != null) {
        dflt = "default " + config.getValue(o.configKey()).render(
            com.typesafe.config.ConfigRenderOptions.concise()) + "; key " + o.configKey();
      } else {
        dflt = o.defaultText() == null ? "" : "default " + o.defaultText();
      }
      out.printf("  %-26s %s%s%n", left, o.help(), dflt.isEmpty() ? "" : " (" + dflt + ")");
    }
  }
}

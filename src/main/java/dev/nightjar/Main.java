package dev.nightjar;

import com.typesafe.config.Config;
import dev.nightjar.common.CommandLine;
import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Output;
import dev.nightjar.common.Suggest;
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
  /** The effective configuration: to the log file only (conf/log4j2.properties). */
  private static final Logger CONFIG_LOG = LoggerFactory.getLogger("dev.nightjar.config");

  private Main() {}

  public static void main(String[] args) {
    int status = run(args, System.out, System.err);
    // spark-submit would otherwise keep non-daemon threads (and the status) alive.
    System.exit(status);
  }

  /** Runs a job and returns its exit status; never calls {@code System.exit} (tests call this). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return invoke(args, out, err).status();
  }

  /**
   * How a run ended: its status, its result (null when it failed) and the message printed for a
   * failure (null when it did not fail).
   */
  public record Invocation(int status, JobResult result, String error) {}

  /** Runs a job; failures become a status and a {@code nightjar: ...} line on {@code err}. */
  public static Invocation invoke(String[] args, PrintStream out, PrintStream err) {
    try {
      JobResult r = runJob(args, out, err);
      return new Invocation(r.exitCode(), r, null);
    } catch (UsageException e) {
      err.println("nightjar: " + e.getMessage());
      return new Invocation(ExitCodes.USAGE, null, e.getMessage());
    } catch (JobFailedException e) {
      String message = "job failed: " + e.getMessage();
      err.println("nightjar: " + message);
      LOG.debug("Job failed", e);
      return new Invocation(e.exitCode(), null, message);
    }
  }

  /** Like {@link #run} but returns the job's result and throws its exceptions. */
  public static JobResult runJob(String[] args, PrintStream out) {
    return runJob(args, out, System.err);
  }

  /** Like {@link #run} but returns the job's result and throws its exceptions. */
  public static JobResult runJob(String[] args, PrintStream out, PrintStream err) {
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
                        "Unknown job '" + args[0] + "'"
                            + Suggest.hint(args[0], jobs.stream().filter(j -> !j.isBenchmark()).map(Job::name).toList(), "")
                            + " (see: jobs/run --help for the list)"));
    String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
    CommandLine cl = CommandLine.parse(job, rest);
    Config config = Settings.load(null, cl.confFile(), cl.overrides());
    if (cl.flags().contains("help")) {
      printJobHelp(job, config, out);
      return JobResult.builder(job.name()).build();
    }
    JobContext ctx = new JobContext(job.name(), config, cl.date(), cl.dateGiven(), cl.options(), cl.flags(), out, err);
    job.validate(ctx);
    String described = Settings.describe(config, Settings.reference());
    // The whole configuration is for the log file (and --verbose), not for the console.
    CONFIG_LOG.info("Starting {} ds={} with configuration:\n{}", job.name(), cl.date(), described);
    LOG.info("Starting {} ds={}", job.name(), cl.date());
    if (ctx.flag("verbose")) {
      err.print("nightjar: " + job.name() + " ds=" + cl.date() + ", effective configuration:\n" + described);
    }
    JobResult result = job.run(ctx);
    LOG.info("{}", result.summaryLine());
    if (!job.printsResult()) {
      out.println(ctx.json() ? Output.json(result.toMap()) : result.summaryLine());
    }
    return result;
  }

  public static List<Job> jobs() {
    List<Job> jobs = new ArrayList<>();
    ServiceLoader.load(Job.class, Main.class.getClassLoader()).forEach(jobs::add);
    jobs.sort(Comparator.comparing(Job::name));
    return jobs;
  }

  /** The jobs list of {@code jobs/run --help}. */
  public static void printJobs(List<Job> jobs, PrintStream out) {
    out.println("Usage: jobs/run JOB [spark-submit options] [job options]   (jobs/run JOB --help)");
    out.println();
    out.println("Jobs:");
    for (Job j : jobs) {
      if (!j.isBenchmark()) {
        out.printf("  %-18s %s%n", j.name(), j.description());
      }
    }
    // Benchmarks are on the test classpath only (jobs/bench), so list them only when present.
    List<Job> benches = jobs.stream().filter(Job::isBenchmark).toList();
    if (!benches.isEmpty()) {
      out.println();
      out.println("Benchmarks (jobs/bench NAME):");
      for (Job j : benches) {
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

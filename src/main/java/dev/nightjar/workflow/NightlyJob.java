package dev.nightjar.workflow;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.nightjar.common.CommandLine;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code jobs/nightly}: runs the Oozie workflow {@code workflows/nightly/workflow.xml} on this
 * machine, for one date or a range, through {@link NightlyRunner}. It does no Spark work itself.
 */
public final class NightlyJob implements Job {
  static final String WORKFLOW = "nightly.workflow";
  static final String PROPERTIES = "nightly.properties";
  static final String LAUNCHER = "nightly.launcher";
  static final String MODE = "nightly.mode";
  static final String LOG_DIR = "nightly.log-dir";
  /** Backfills longer than this are almost certainly a typo in --from or --to. */
  static final int MAX_DAYS = 366;
  /** jobs/run fills this option with the spark-submit options given to jobs/nightly. */
  static final String SPARK_ARGS = "spark-args";

  @Override
  public String name() {
    return "nightly";
  }

  @Override
  public String description() {
    return "Run the Oozie workflow workflows/nightly on this machine (jobs/nightly)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("workflow", WORKFLOW, "FILE", "the Oozie workflow.xml to run"),
        OptionSpec.config("properties", PROPERTIES, "FILE", "its job.properties"),
        OptionSpec.config("launcher", LAUNCHER, "PATH", "each Spark action runs as: PATH JOB ARGS..."),
        OptionSpec.flag("in-process", "run every action in this JVM, one SparkSession (the default on a local master)"),
        OptionSpec.flag("isolated", "run every action in its own jobs/run JVM (the default on a cluster master)"),
        OptionSpec.value("from", "YYYY-MM-DD", "backfill: the first date (with --to)", "none"),
        OptionSpec.value("to", "YYYY-MM-DD", "backfill: the last date, inclusive", "none"),
        OptionSpec.flag("sample", "generate the sample world first when the warehouse has no products (README command 1);"
            + " without it a warehouse without products is refused"),
        OptionSpec.flag("resume", "skip the actions that finished in the date's last run"),
        OptionSpec.flag("train-category", "retrain the category model (default: only when none exists)"),
        OptionSpec.flag("dry-run", "print the actions and their command lines, run nothing"),
        OptionSpec.value(SPARK_ARGS, "LINES", "spark-submit options for every action, one argument a line "
            + "(jobs/nightly passes its own: jobs/nightly --master spark://HOST:7077 ...)", "none"),
        OptionSpec.flag("break-lock", "remove the warehouse lock of a run that died (refused while its owner runs)"));
  }

  /** The validated settings of one invocation. */
  record Options(Path workflow, Path properties, String launcher, boolean inProcess, List<LocalDate> dates,
      String logDir, List<String> sparkArgs) {
    static Options from(JobContext ctx) {
      Config c = ctx.config();
      Path wf = Path.of(Settings.string(c, WORKFLOW));
      Path props = Path.of(Settings.string(c, PROPERTIES));
      boolean inProcess = inProcess(ctx);
      String launcher = Settings.string(c, LAUNCHER);
      for (Path p : List.of(wf, props)) {
        if (!Files.isRegularFile(p)) {
          throw new UsageException("Cannot read " + p.toAbsolutePath() + ": no such file");
        }
      }
      if (!inProcess && !Files.isExecutable(Path.of(launcher))) {
        throw Settings.bad(LAUNCHER, launcher, "an executable launcher such as jobs/run");
      }
      // In-process actions share this JVM's session, which spark-submit already built with them.
      List<String> sparkArgs = inProcess ? List.of() : sparkArgs(ctx.option(SPARK_ARGS).orElse(""));
      return new Options(wf, props, launcher, inProcess, dates(ctx), Settings.string(c, LOG_DIR), sparkArgs);
    }

    /**
     * Whether the actions run in this JVM: {@code --in-process} / {@code --isolated}, else {@value
     * #MODE}; {@code auto} is in-process on a local master (one session, no JVM and Spark start per
     * action) and one launcher process per action on a cluster, as Oozie runs them.
     */
    static boolean inProcess(JobContext ctx) {
      if (ctx.flag("in-process") && ctx.flag("isolated")) {
        throw new UsageException("Give either --in-process or --isolated, not both");
      }
      if (ctx.flag("in-process") || ctx.flag("isolated")) {
        return ctx.flag("in-process");
      }
      String mode = Settings.oneOf(ctx.config(), MODE, "auto", "in-process", "isolated");
      if (!mode.equals("auto")) {
        return mode.equals("in-process");
      }
      List<String> args = sparkArgs(ctx.option(SPARK_ARGS).orElse(""));
      int m = args.indexOf("--master");
      String master = m >= 0 && m + 1 < args.size() ? args.get(m + 1)
          : new org.apache.spark.SparkConf().get("spark.master", "local[*]");
      return master.startsWith("local");
    }

    /** One argument a line; a spark-submit option never holds a line break. */
    static List<String> sparkArgs(String lines) {
      return lines.isEmpty() ? List.of() : List.of(lines.split("\n"));
    }

    private static List<LocalDate> dates(JobContext ctx) {
      var from = ctx.option("from");
      var to = ctx.option("to");
      if (from.isEmpty() && to.isEmpty()) {
        return List.of(ctx.runDate());
      }
      if (from.isEmpty() || to.isEmpty()) {
        throw new UsageException("A backfill needs both --from and --to, found only --" + (from.isEmpty() ? "to" : "from"));
      }
      if (ctx.dateGiven()) {
        throw new UsageException("Give either --date or --from/--to, not both");
      }
      LocalDate a = CommandLine.parseDate(from.get());
      LocalDate b = CommandLine.parseDate(to.get());
      if (b.isBefore(a) || a.plusDays(MAX_DAYS).isBefore(b)) {
        throw new UsageException("Cannot backfill --from " + a + " --to " + b + ": expected --to on or after --from, at most "
            + MAX_DAYS + " days");
      }
      return a.datesUntil(b.plusDays(1)).toList();
    }
  }

  @Override
  public void validate(JobContext ctx) {
    Options o = Options.from(ctx);
    workflow(o); // a malformed workflow is a usage error, found before anything runs
    properties(o);
  }

  @Override
  public JobResult run(JobContext ctx) {
    Options o = Options.from(ctx);
    String warehouse = Settings.string(ctx.config(), "warehouse.root");
    Path logDir = o.logDir().isEmpty()
        ? (isLocal(warehouse) ? Path.of(warehouse.replaceFirst("^file:(//)?", ""), "_runs", "logs")
            : Path.of(System.getProperty("java.io.tmpdir"), "nightjar-nightly"))
        : Path.of(o.logDir());
    ActionLauncher launcher = o.inProcess() ? ActionLauncher.inProcess() : ActionLauncher.subprocess(o.launcher());
    NightlyRunner.Request req = new NightlyRunner.Request(workflow(o), properties(o), warehouse, o.dates(),
        ctx.flag("resume"), ctx.flag("train-category") ? "true" : null, forwardedSettings(ctx.config()),
        ctx.flag("dry-run"), logDir, o.sparkArgs());
    // With --json the progress lines go to stderr and only the JSON summary to stdout.
    java.io.PrintStream lines = ctx.json() ? ctx.err() : ctx.out();
    if (req.dryRun()) {
      return new NightlyRunner(launcher, lines, o.inProcess()).run(req);
    }
    if (o.inProcess() && ctx.flag("ui")) {
      ctx.spark(); // the actions share this session: build it with the UI first
    }
    // One run per warehouse: a second one would interleave its writes and its run state with ours.
    String what = "jobs/nightly " + (o.dates().size() == 1 ? "--date " + o.dates().get(0)
        : "--from " + o.dates().get(0) + " --to " + o.dates().get(o.dates().size() - 1));
    // A mistyped --warehouse must not grow a synthetic world, train on it and publish from it (nor
    // get a lock directory: checked first).
    if (!ctx.flag("sample") && !RunState.exists(warehouse, "products/_delta_log")) {
      throw new UsageException("No products table in " + warehouse + ": expected a warehouse holding the catalog"
          + " (check --warehouse), or --sample to generate the sample world into it");
    }
    try (WarehouseLock lock = WarehouseLock.acquire(warehouse, what, ctx.flag("break-lock"))) {
      return new NightlyRunner(launcher, lines, o.inProcess()).run(req);
    }
  }

  private static boolean isLocal(String warehouse) {
    return !warehouse.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || warehouse.startsWith("file:");
  }

  private static WorkflowDefinition workflow(Options o) {
    try (InputStream in = new FileInputStream(o.workflow().toFile())) {
      return WorkflowDefinition.parse(in, o.workflow().toString());
    } catch (IOException e) {
      throw new UsageException("Cannot read " + o.workflow() + ": " + e.getMessage());
    }
  }

  static Map<String, String> properties(Options o) {
    Properties p = new Properties();
    try (Reader r = new InputStreamReader(new FileInputStream(o.properties().toFile()), StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UsageException("Cannot read " + o.properties() + ": " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
    return m;
  }

  /**
   * The settings given to this run (--set, --conf-file) that differ from the defaults every job
   * would load anyway, as {@code --set} arguments for each action: {@code jobs/nightly --set
   * sample.products=300} reaches generate-sample.
   */
  static List<String> forwardedSettings(Config config) {
    Config base = Settings.load(null, null, Map.of());
    List<String> args = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("nightly.") || k.equals("warehouse.root")) {
        continue;
      }
      ConfigValue v = e.getValue();
      if (!base.hasPath(k) || !base.getValue(k).unwrapped().equals(v.unwrapped())) {
        String text = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped()
            : v.render(ConfigRenderOptions.concise());
        args.add("--set");
        args.add(k + "=" + text);
      }
    }
    return args;
  }
}

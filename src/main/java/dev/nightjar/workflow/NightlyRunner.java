package dev.nightjar.workflow;

import dev.nightjar.common.ExitCodes;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Parallel;
import dev.nightjar.workflow.RunState.ActionRun;
import dev.nightjar.workflow.RunState.Status;
import dev.nightjar.workflow.WorkflowDefinition.Step;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a workflow's Spark actions for one or more dates on this machine: the sample world first
 * when the warehouse has no products, then each date's plan (see {@link WorkflowDefinition#plan})
 * action by action through an {@link ActionLauncher}. A failed action stops the run (the state file
 * records what finished, so {@code resume} continues from it); an action that exits 3 (model not
 * blessed) is reported and the run goes on, ending with status 3.
 */
public final class NightlyRunner {
  /** The exit status of a job whose model is not blessed. */
  private static final int NOT_BLESSED = ExitCodes.NOT_BLESSED;
  private static final Pattern KV = Pattern.compile("(\\S+?)=(\"[^\"]*\"|\\S*)");

  /**
   * What to run.
   *
   * @param properties job.properties values (lowest precedence after the workflow's defaults)
   * @param trainCategory "true"/"false", or null to train only when no category model exists
   * @param extraArgs appended to every action (forwarded {@code --set} overrides)
   * @param logDir local directory for each action's output
   * @param sparkArgs spark-submit options appended to every action's launcher command line
   *     ({@code --master spark://...}); empty for in-process actions
   */
  public record Request(WorkflowDefinition workflow, Map<String, String> properties, String warehouse,
      List<LocalDate> dates, boolean resume, String trainCategory, List<String> extraArgs, boolean dryRun,
      Path logDir, List<String> sparkArgs) {
    public Request(WorkflowDefinition workflow, Map<String, String> properties, String warehouse,
        List<LocalDate> dates, boolean resume, String trainCategory, List<String> extraArgs, boolean dryRun,
        Path logDir) {
      this(workflow, properties, warehouse, dates, resume, trainCategory, extraArgs, dryRun, logDir, List.of());
    }
  }

  private final ActionLauncher launcher;
  private final PrintStream out;
  private final boolean parallelPaths;
  /** Every action launched in this run, for the JSON summary (listed in the run's order). */
  private final Map<ActionRun, Map<String, Object>> launched = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  public NightlyRunner(ActionLauncher launcher, PrintStream out) {
    this(launcher, out, false);
  }

  /**
   * With {@code parallelPaths}, the paths of a fork run side by side, each on its own thread (as
   * Oozie runs them): for actions that share this JVM's Spark session, whose small jobs leave
   * most of the second core idle while one driver thread plans and commits.
   */
  public NightlyRunner(ActionLauncher launcher, PrintStream out, boolean parallelPaths) {
    this.launcher = launcher;
    this.out = out;
    this.parallelPaths = parallelPaths;
  }

  public JobResult run(Request req) {
    String wf = req.workflow().name();
    long t0 = System.nanoTime();
    List<ActionRun> all = new ArrayList<>();
    if (!req.dryRun() && !RunState.exists(req.warehouse(), "products/_delta_log")) {
      String last = req.dates().get(req.dates().size() - 1).toString();
      out.println("nightly: no products in " + req.warehouse() + "; generating the sample world (ds=" + last + ")");
      List<String> args = new ArrayList<>(List.of("generate-sample", "--warehouse", req.warehouse(), "--date", last));
      args.addAll(req.extraArgs());
      args.addAll(req.sparkArgs());
      ActionRun r = launch("generate-sample", args, last, req.logDir().resolve(wf + "-" + last));
      all.add(r);
      if (r.status() == Status.FAILED) {
        summary(all, t0);
        throw failed(r, last, req, false);
      }
    }
    for (LocalDate date : req.dates()) {
      String ds = date.toString();
      Map<String, String> params = new LinkedHashMap<>(req.workflow().parameterDefaults());
      params.putAll(req.properties());
      params.put("ds", ds);
      params.put("warehouse", req.warehouse());
      params.put("trainCategory", req.trainCategory() != null ? req.trainCategory()
          : String.valueOf(!RunState.hasModel(req.warehouse(), "trained/category")));
      List<Step> plan = req.workflow().plan(params);
      if (req.dryRun()) {
        for (Step s : plan) {
          out.println("nightly ds=" + ds + " " + s.name() + ": jobs/run " + String.join(" ",
              withExtra(s, req).stream().map(a -> a.matches(".*\\s.*") ? "'" + a + "'" : a).toList()));
        }
        continue;
      }
      org.apache.hadoop.fs.Path stateFile = RunState.file(req.warehouse(), wf, ds);
      Map<String, ActionRun> done = req.resume() ? RunState.finished(stateFile) : Map.of();
      List<ActionRun> runs = new ArrayList<>();
      if (!req.resume()) {
        // The state now describes this run: if it dies before its first action finishes, --resume
        // must redo everything, not skip what an earlier, complete run of the date had done.
        RunState.write(stateFile, wf, ds, "RUNNING", runs);
      }
      for (int i = 0; i < plan.size(); ) {
        int end = i + 1;
        if (parallelPaths && plan.get(i).fork() != null) {
          while (end < plan.size() && plan.get(i).fork().equals(plan.get(end).fork())) {
            end++;
          }
        }
        // The results in the plan's order, whichever finished first; a failed path stops there.
        List<ActionRun> results = runSteps(plan.subList(i, end), done, ds, req, stateFile, runs);
        ActionRun failure = null;
        for (ActionRun r : results) {
          runs.add(r);
          all.add(r);
          if (failure == null && r.status() == Status.FAILED) {
            failure = r;
          }
        }
        if (failure != null) {
          RunState.write(stateFile, wf, ds, "FAILED", runs);
          summary(all, t0);
          throw failed(failure, ds, req, true);
        }
        RunState.write(stateFile, wf, ds, "RUNNING", runs);
        i = end;
      }
      boolean notBlessed = runs.stream().anyMatch(r -> r.status() == Status.NOT_BLESSED);
      RunState.write(stateFile, wf, ds, notBlessed ? "NOT_BLESSED" : "SUCCEEDED", runs);
    }
    return req.dryRun() ? JobResult.builder("nightly").build() : summary(all, t0);
  }

  /**
   * Runs steps: one after another, or, when they are the paths of one fork, each path on its own
   * thread. The state file is rewritten as each action ends, so a crash mid-fork resumes from what
   * had finished. Returns the runs in the steps' order; a path stops at its first failure.
   */
  private List<ActionRun> runSteps(List<Step> steps, Map<String, ActionRun> done, String ds, Request req,
      org.apache.hadoop.fs.Path stateFile, List<ActionRun> before) {
    Map<Integer, List<Integer>> paths = new java.util.TreeMap<>();
    for (int k = 0; k < steps.size(); k++) {
      paths.computeIfAbsent(steps.size() == 1 ? 0 : steps.get(k).path(), x -> new ArrayList<>()).add(k);
    }
    List<ActionRun> progress = new ArrayList<>(before);
    List<List<Integer>> order = new ArrayList<>(paths.values());
    List<Callable<List<ActionRun>>> bodies = new ArrayList<>();
    for (List<Integer> path : order) {
      bodies.add(() -> {
        List<ActionRun> ran = new ArrayList<>();
        for (int k : path) {
          ActionRun r = runStep(steps.get(k), done, ds, req);
          ran.add(r);
          synchronized (progress) {
            progress.add(r);
            RunState.write(stateFile, req.workflow().name(), ds, "RUNNING", progress);
          }
          if (r.status() == Status.FAILED) {
            break;
          }
        }
        return ran;
      });
    }
    List<List<ActionRun>> ran = Parallel.all("nightly",
        p -> "nightly-path-" + steps.get(order.get(p).get(0)).name(), bodies);
    ActionRun[] byStep = new ActionRun[steps.size()];
    for (int p = 0; p < order.size(); p++) {
      for (int j = 0; j < ran.get(p).size(); j++) {
        byStep[order.get(p).get(j)] = ran.get(p).get(j);
      }
    }
    List<ActionRun> results = new ArrayList<>();
    for (ActionRun r : byStep) {
      if (r != null) {
        results.add(r);
      }
    }
    return results;
  }

  private ActionRun runStep(Step s, Map<String, ActionRun> done, String ds, Request req) {
    if (done.containsKey(s.name())) {
      ActionRun r = done.get(s.name());
      out.printf(Locale.ROOT, "nightly ds=%s %-20s SKIPPED (%s in the earlier run)%n", ds, s.name(),
          r.status() == Status.OK ? "OK" : "NOT BLESSED");
      return r;
    }
    return launch(s.name(), withExtra(s, req), ds, req.logDir().resolve(req.workflow().name() + "-" + ds));
  }

  private static List<String> withExtra(Step s, Request req) {
    List<String> args = new ArrayList<>(s.args());
    args.addAll(req.extraArgs());
    args.addAll(req.sparkArgs());
    return args;
  }

  private ActionRun launch(String name, List<String> args, String ds, Path logDir) {
    long t = System.nanoTime();
    ActionLauncher.Outcome o = launcher.launch(args, logDir.resolve(name + ".log"));
    double seconds = (System.nanoTime() - t) / 1e9;
    Map<String, Long> rows = new LinkedHashMap<>();
    Map<String, String> metrics = new LinkedHashMap<>();
    if (o.resultLine() != null) {
      Matcher m = KV.matcher(o.resultLine());
      while (m.find()) {
        if (m.group(1).startsWith("rows.")) {
          rows.put(m.group(1).substring(5), Long.parseLong(m.group(2)));
        } else {
          metrics.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
        }
      }
    }
    Status status = o.status() == 0 ? Status.OK : o.status() == NOT_BLESSED ? Status.NOT_BLESSED : Status.FAILED;
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "nightly ds=%s %-20s %-12s %7.1fs", ds, name,
        status == Status.FAILED ? "FAILED(" + o.status() + ")" : status == Status.OK ? "OK" : "NOT BLESSED", seconds));
    if (!rows.isEmpty()) {
      line.append("  rows");
      rows.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    }
    if (status == Status.NOT_BLESSED && metrics.containsKey("not_blessed")) {
      line.append("  (").append(metrics.get("not_blessed")).append(')');
    }
    if (status == Status.FAILED && o.errorLine() != null) {
      line.append("  ").append(o.errorLine());
    }
    out.println(line);
    out.flush();
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("ds", ds);
    detail.put("action", name);
    detail.put("status", status.name());
    detail.put("exit", o.status());
    detail.put("seconds", Math.round(seconds * 10) / 10.0);
    detail.put("rows", rows);
    detail.put("metrics", metrics);
    ActionRun run = new ActionRun(name, status, o.status(), Math.round(seconds * 10) / 10.0, rows, metrics);
    launched.put(run, detail);
    return run;
  }

  private static JobFailedException failed(ActionRun r, String ds, Request req, boolean resumable) {
    Path log = req.logDir().resolve(req.workflow().name() + "-" + ds).resolve(r.name() + ".log");
    return new JobFailedException("action " + r.name() + " failed for ds=" + ds + " (exit " + r.exit()
        + "); its output: " + log + ". Outputs of the actions before it are kept"
        + (resumable ? "; continue from " + r.name() + " with --resume" : ""));
  }

  /** Prints the run's summary and builds its result: rows per table summed over dates. */
  private JobResult summary(List<ActionRun> runs, long t0) {
    JobResult.Builder result = JobResult.builder("nightly");
    Map<String, Long> tables = new LinkedHashMap<>();
    int ok = 0;
    int notBlessed = 0;
    int failed = 0;
    for (ActionRun r : runs) {
      r.rows().forEach((t, n) -> tables.merge(t, n, Long::sum));
      switch (r.status()) {
        case OK -> ok++;
        case NOT_BLESSED -> notBlessed++;
        case FAILED -> failed++;
        default -> { }
      }
    }
    double seconds = Math.round((System.nanoTime() - t0) / 1e8) / 10.0;
    out.println();
    out.printf(Locale.ROOT, "nightly summary: %d actions, %d OK, %d NOT BLESSED, %d failed, %.1fs%n",
        runs.size(), ok, notBlessed, failed, seconds);
    out.println("  tables (rows written):");
    tables.forEach((t, n) -> out.printf(Locale.ROOT, "    %-28s %,d%n", t, n));
    for (ActionRun r : runs) {
      if (r.name().startsWith("train-") && r.status() != Status.FAILED) {
        String verdict = r.status() == Status.NOT_BLESSED ? "NOT BLESSED: " + r.metrics().getOrDefault("not_blessed", "")
            : "false".equals(r.metrics().get("blessed")) ? "NOT BLESSED"
            : "true".equals(r.metrics().get("blessed")) ? "blessed" : "trained (no publication gate yet)";
        String version = r.metrics().getOrDefault("model_version", "");
        out.println("  model " + r.name().substring("train-".length()) + (version.isEmpty() ? "" : " " + version)
            + ": " + verdict);
      }
    }
    for (ActionRun r : runs) {
      if (r.name().equals("publish") && r.status() != Status.FAILED) {
        // publish reports each model as vN:published, vN:unchanged, not_blessed or absent.
        r.metrics().forEach((k, v) -> {
          if (!k.equals("not_blessed")) {
            out.println("  registry " + k + ": " + v);
          }
        });
      }
    }
    for (ActionRun r : runs) {
      double queries = number(r.metrics().get("queries"));
      r.metrics().forEach((k, v) -> {
        if (k.startsWith("broad_l") && queries > 0) {
          out.printf(Locale.ROOT, "  broad queries (%s %s): %s of %.0f (%.1f%%)%n",
              r.name(), k, v, queries, 100 * number(v) / queries);
        }
      });
    }
    out.println("  metrics:");
    for (ActionRun r : runs) {
      if (!r.metrics().isEmpty()) {
        StringBuilder sb = new StringBuilder("    " + r.name() + ":");
        r.metrics().forEach((k, v) -> {
          if (!k.equals("not_blessed")) {
            sb.append(' ').append(k).append('=').append(readable(v));
          }
        });
        out.println(sb);
      }
    }
    tables.forEach(result::rows);
    List<Map<String, Object>> details = new ArrayList<>();
    for (ActionRun r : runs) {
      if (launched.containsKey(r)) {
        details.add(launched.get(r));
      }
    }
    result.detail("actions", details);
    result.metric("actions", runs.size()).metric("ok", ok).metric("not_blessed", notBlessed)
        .metric("failed", failed).metric("seconds", seconds);
    if (notBlessed > 0) {
      result.exitCode(NOT_BLESSED);
    }
    return result.build();
  }

  /** A metric as printed: 0.8123 rather than 0.8123456789012345. */
  private static String readable(String v) {
    if (v != null && v.matches("-?\\d+\\.\\d{5,}(E-?\\d+)?")) {
      return dev.nightjar.common.Output.number(Double.parseDouble(v));
    }
    return v;
  }

  private static double number(String v) {
    try {
      return v == null ? 0 : Double.parseDouble(v);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

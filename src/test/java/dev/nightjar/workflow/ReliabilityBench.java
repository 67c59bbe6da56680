package dev.nightjar.workflow;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.testing.BadInputCorpus;
import dev.nightjar.testing.BenchSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code jobs/bench reliability [--kills N]}: the full kill schedule of {@link KillHarness} (10
 * moments by default) and the bad-input corpus ({@link BadInputCorpus}), with one line:
 * {@code BENCH reliability kills=10 recovered=.. equal_after_rerun=.. registry_identical=.. bad_input_cases=.. handled=.. rows_lost=..}
 * ({@code registry_identical}: the registry's versions and aliases after the last plain rerun are
 * the uninterrupted run's).
 */
public final class ReliabilityBench implements Job {
  @Override
  public String name() {
    return "bench-reliability";
  }

  @Override
  public String description() {
    return "kill -9 the nightly at 10 moments and recover; run the bad-input corpus";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("kills", "N", "how many moments of the schedule to use (spread over it)", "10"),
        OptionSpec.flag("skip-bad-inputs", "only the kill schedule"),
        OptionSpec.flag("reuse", "keep the earlier and uninterrupted runs of the last bench in --work"),
        OptionSpec.flag("independent", "each kill on a fresh copy of the earlier run, recovered by its own rerun "
            + "(slower); default: the kills chained through --resume runs on one warehouse"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/reliability"));
  }

  @Override
  public JobResult run(JobContext context) {
    Path work = context.flag("reuse") ? Path.of(context.option("work").orElse("target/bench/reliability")).toAbsolutePath()
        : BenchSupport.workDir(context, "reliability");
    KillHarness h = new KillHarness(context.spark(), work, System.out);
    List<KillHarness.Moment> schedule = spread(h.moments(), (int) BenchSupport.longOption(context, "kills", 10));
    long t0 = System.nanoTime();
    h.prepare(context.flag("reuse"));
    int killed = 0;
    int recovered = 0;
    int equal = 0;
    int consistent = 0;
    boolean independent = context.flag("independent");
    List<KillHarness.Outcome> outcomes = new java.util.ArrayList<>();
    if (independent) {
      for (int i = 0; i < schedule.size(); i++) {
        outcomes.add(h.killAndRecover(i, schedule.get(i), i % 2 == 1, i == 0));
      }
    } else {
      outcomes = h.chain(schedule);
    }
    for (int i = 0; i < outcomes.size(); i++) {
      KillHarness.Outcome o = outcomes.get(i);
      killed += o.killed() ? 1 : 0;
      consistent += o.consistent() ? 1 : 0;
      recovered += o.recovered() ? 1 : 0;
      equal += o.equalAfterRerun() ? 1 : 0;
      System.out.printf(Locale.ROOT, "reliability: kill %d at %-42s %s, %s; tables new at the kill: %s; recovery %s, %s%s%n",
          i + 1, o.moment(), o.killed() ? "killed" : "NOT KILLED",
          o.consistent() ? "consistent" : "INCONSISTENT", o.atKill(),
          o.recovered() ? "ok" : "FAILED", o.equalAfterRerun() ? "equal" : "NOT EQUAL",
          o.problems().isEmpty() ? "" : "\n  " + String.join("\n  ", o.problems()));
    }
    double killSeconds = BenchSupport.seconds(t0);
    // The chain already ends with a plain rerun over a complete run; the independent mode checks it apart.
    List<String> rerun = independent ? h.rerunUnchanged() : List.of();
    rerun.forEach(f -> System.out.println("reliability: rerun " + f));
    // "Rerunning a date publishes nothing new": the registry's versions and aliases after the last
    // plain rerun (chained: after every kill and resume) must be the uninterrupted run's.
    List<String> registry = KillHarness.registry(h.reference());
    List<String> registryAfter = h.lastRerun() == null ? List.of() : KillHarness.registry(h.lastRerun());
    boolean registrySame = h.lastRerun() != null && registry.equals(registryAfter);
    System.out.println("reliability: registry of the uninterrupted run " + registry);
    System.out.println("reliability: registry after the " + (independent ? "plain rerun" : "chained run and a plain rerun")
        + " " + registryAfter);
    BadInputCorpus.Summary bad = context.flag("skip-bad-inputs") ? new BadInputCorpus.Summary(0, 0, 0, List.of())
        : BadInputCorpus.runAll(work.resolve("bad-inputs"));
    bad.failures().forEach(f -> System.out.println("reliability: bad input " + f));
    System.out.printf(Locale.ROOT, "BENCH reliability kills=%d killed=%d consistent=%d recovered=%d equal_after_rerun=%d mode=%s "
        + "rerun_identical=%s registry_identical=%s bad_input_cases=%d handled=%d rows_lost=%d kill_seconds=%.0f%n", schedule.size(), killed,
        consistent, recovered, equal, independent ? "independent" : "chained",
        (independent ? rerun.isEmpty() : !outcomes.isEmpty() && outcomes.get(outcomes.size() - 1).equalAfterRerun()) ? "yes" : "no", registrySame ? "yes" : "no", bad.cases(), bad.handled(), bad.rowsLost(), killSeconds);
    return JobResult.builder(name()).metric("kills", schedule.size()).metric("recovered", recovered)
        .metric("equal_after_rerun", equal).build();
  }

  /** {@code n} moments spread evenly over the schedule (all of it when n >= its size). */
  static List<KillHarness.Moment> spread(List<KillHarness.Moment> all, int n) {
    if (n >= all.size()) {
      return all;
    }
    List<KillHarness.Moment> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(all.get((int) Math.round(i * (all.size() - 1) / (double) Math.max(1, n - 1))));
    }
    return out;
  }
}

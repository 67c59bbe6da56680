package dev.nightjar.workflow;

import static dev.nightjar.testing.BenchSupport.fmt;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.testing.BenchSupport;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jobs/bench nightly --products N --shops M}: generates a sample world of that size and runs
 * the whole nightly workflow on it in this JVM's one Spark session (the in-process runner), with
 * one {@code BENCH nightly} line per action: seconds, rows read, rows written, rows/s. Each total
 * is appended to {@code target/bench/nightly-history.tsv}; the growth figure compares it with the
 * latest run of another size (run 100k, then 1M: growth = time(1M) / time(100k)).
 */
public final class NightlyBench implements Job {
  private static final Pattern KV = Pattern.compile("(\\S+?)=(\"[^\"]*\"|\\S*)");
  /** Result metrics that count the rows an action read, in order of preference. */
  private static final List<String> INPUT_METRICS =
      List.of("input_rows", "products", "labelled_products", "shops", "rows_in", "catalog_products");

  @Override
  public String name() {
    return "bench-nightly";
  }

  @Override
  public String description() {
    return "the whole nightly workflow on a generated world, per action (goal: 1M products <= 20 min,"
        + " growth 100k -> 1M between 6 and 11)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("products", "N", "sample products", "100000"),
        OptionSpec.value("shops", "N", "sample shops (budget tables)", "products / 10"),
        OptionSpec.value("work", "DIR", "scratch directory (its warehouse)", "target/bench/nightly"));
  }

  private record Action(String name, double seconds, long rowsIn, long rowsOut, int status) {}

  @Override
  public JobResult run(JobContext ctx) {
    long products = BenchSupport.longOption(ctx, "products", 100_000);
    long shops = BenchSupport.longOption(ctx, "shops", Math.max(1, products / 10));
    Path work = BenchSupport.workDir(ctx, "nightly");
    Path root = ClusterBench.projectRoot();
    ctx.spark(); // the one session every in-process action shares
    String ds = ctx.runDate().toString();
    List<String> extra = new ArrayList<>(List.of("--set", "sample.products=" + products,
        "--set", "sample.budget.shops=" + shops));
    // Cost, not model quality: a blessed budget model lets recommend-budget run at every size.
    extra.addAll(ClusterBench.OPEN_BUDGET_GATE);

    List<Action> actions = new ArrayList<>();
    ActionLauncher inner = ActionLauncher.inProcess();
    ActionLauncher timed = (args, log) -> {
      long t = System.nanoTime();
      ActionLauncher.Outcome o = inner.launch(args, log);
      double s = BenchSupport.seconds(t);
      long in = -1;
      long out = 0;
      if (o.resultLine() != null) {
        java.util.Map<String, String> metrics = new java.util.HashMap<>();
        Matcher m = KV.matcher(o.resultLine());
        while (m.find()) {
          if (m.group(1).startsWith("rows.")) {
            out += Long.parseLong(m.group(2));
          } else {
            metrics.put(m.group(1), m.group(2));
          }
        }
        for (String k : INPUT_METRICS) {
          if (in < 0 && metrics.containsKey(k) && metrics.get(k).matches("\\d+")) {
            in = Long.parseLong(metrics.get(k));
          }
        }
      }
      Action a = new Action(args.get(0), s, in, out, o.status());
      actions.add(a);
      System.out.println(line(a));
      return o;
    };
    WorkflowDefinition wf;
    java.util.Properties props = new java.util.Properties();
    try (InputStream in = new FileInputStream(root.resolve("workflows/nightly/workflow.xml").toFile());
        InputStream p = new FileInputStream(root.resolve("workflows/nightly/job.properties").toFile())) {
      wf = WorkflowDefinition.parse(in, "workflows/nightly/workflow.xml");
      props.load(new java.io.InputStreamReader(p, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    java.util.Map<String, String> properties = new java.util.LinkedHashMap<>();
    props.stringPropertyNames().forEach(k -> properties.put(k, props.getProperty(k)));
    NightlyRunner.Request req = new NightlyRunner.Request(wf, properties, work.resolve("warehouse").toString(),
        List.of(ctx.runDate()), false, null, extra, false, work.resolve("logs"));
    PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    JobResult r = new NightlyRunner(timed, quiet).run(req);

    // The world's generation is set up, not the nightly: reported, but not in the total.
    double total = 0;
    long in = 0;
    long out = 0;
    for (Action a : actions) {
      if (!a.name().equals("generate-sample")) {
        total += a.seconds();
        in += Math.max(0, a.rowsIn());
        out += a.rowsOut();
      }
    }
    int failed = (int) actions.stream().filter(a -> a.status() != 0 && a.status() != 3).count();
    System.out.println("BENCH nightly total products=" + products + " shops=" + shops + " ds=" + ds
        + " actions=" + (actions.size() - 1) + " failed=" + failed + " seconds=" + fmt(total)
        + " rows_in=" + in + " rows_out=" + out + " rows_per_s=" + fmt(out / total));
    growth(products, shops, total);
    if (failed > 0) {
      throw new JobFailedException("nightly actions failed; logs in " + work.resolve("logs"));
    }
    return JobResult.builder(name()).metric("seconds", fmt(total)).metric("actions", actions.size())
        .metric("nightly_exit", r.exitCode()).build();
  }

  private static String line(Action a) {
    return String.format(Locale.ROOT, "BENCH nightly action=%s seconds=%s rows_in=%s rows_out=%d rows_per_s=%s%s",
        a.name(), fmt(a.seconds()), a.rowsIn() < 0 ? "na" : String.valueOf(a.rowsIn()), a.rowsOut(),
        fmt(Math.max(a.rowsIn(), a.rowsOut()) / a.seconds()), a.status() == 0 ? "" : " exit=" + a.status());
  }

  /** Appends this total to the history and prints the growth against the latest run of another size. */
  private static void growth(long products, long shops, double seconds) {
    Path history = Path.of("target/bench/nightly-history.tsv");
    try {
      Files.createDirectories(history.getParent());
      String[] other = null;
      if (Files.exists(history)) {
        for (String l : Files.readAllLines(history, StandardCharsets.UTF_8)) {
          String[] f = l.split("\t");
          if (f.length == 3 && Long.parseLong(f[0]) != products) {
            other = f;
          }
        }
      }
      Files.writeString(history, products + "\t" + shops + "\t" + seconds + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      if (other == null) {
        System.out.println("BENCH nightly growth: no earlier run of another size in " + history
            + " (run --products 100000 and --products 1000000)");
        return;
      }
      long p0 = Long.parseLong(other[0]);
      double s0 = Double.parseDouble(other[2]);
      boolean bigger = products > p0;
      System.out.println("BENCH nightly growth time(" + (bigger ? products : p0) + ")/time(" + (bigger ? p0 : products)
          + ")=" + fmt(bigger ? seconds / s0 : s0 / seconds) + " size_ratio=" + fmt(bigger ? (double) products / p0
          : (double) p0 / products) + " goal=6..11");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

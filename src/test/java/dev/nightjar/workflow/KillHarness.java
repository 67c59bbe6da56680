package dev.nightjar.workflow;

import dev.nightjar.testing.NightlyWorld;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Crash recovery of {@code jobs/nightly}, measured from outside: the nightly runs as its own
 * process on a tiny sample world, is killed with SIGKILL (its whole process tree) at a chosen
 * moment, and then the warehouse is checked: every Delta table readable and equal to its state
 * before the run or to its complete new state, every model or export directory absent or complete;
 * a rerun of the date (plain or {@code --resume}, breaking the dead run's lock) must then give
 * tables equal, row for row, to an uninterrupted run.
 *
 * <p>The "before" state is a complete earlier run of the same date with other settings (fewer
 * epochs, another entropy threshold and chance target), so almost every table's old and new
 * contents differ and a half-applied write would show (product_features excepted: one table holds
 * one featurization).
 */
final class KillHarness {
  static final String DATE = NightlyWorld.DATE;
  /** Tiny world, budget gate wide open (so recommend-budget runs): a whole run takes about a minute. */
  static final List<String> SETS = NightlyWorld.SETS;
  /** The earlier run's different settings. */
  static final List<String> BEFORE_SETS = NightlyWorld.BEFORE_SETS;
  /** Directories that must be whole or absent: models, model versions, serving exports. */
  static final List<String> VERSIONED_DIRS = List.of(
      "trained/category/ds=" + DATE, "models_staging/budget/ds=" + DATE, "exports/query_entropy/ds=" + DATE);
  /** The registry's models: WAREHOUSE/models/NAME/VERSION must be whole or absent, aliases name a whole version. */
  static final List<String> REGISTRY_MODELS = List.of("category", "budget", "broad_query");
  /** Spark ML names saved pipeline stages by their random uid ({@code 1_logreg_c35617e9abcf}): new on every fit. */
  private static final String STAGE_UID = "_[0-9a-f]{12}(?=/|$)";
  private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

  /** When to kill: polled every few milliseconds against the warehouse and the run's output. */
  interface Trigger {
    boolean fired(Path warehouse, String output) throws IOException;
  }

  record Moment(String name, Trigger trigger) {}

  /** What one kill showed. */
  record Outcome(String moment, boolean killed, double killedAtSeconds, List<String> atKill, boolean consistent,
      boolean recovered, boolean equalAfterRerun, List<String> problems) {}

  /** Rows (as sorted JSON) of every Delta table, and the file names of every versioned directory. */
  record Snapshot(Map<String, List<String>> tables, Map<String, Set<String>> dirs) {}

  private final SparkSession spark;
  private final Path work;
  private final PrintStream log;
  private final Path root;
  private Path base;
  private Snapshot before;
  private Snapshot reference;
  private Map<String, Set<String>> baseFiles;
  private boolean built;
  private int referenceExit;
  private Snapshot lastRerun;
  private boolean rerunInThisJvm;

  KillHarness(SparkSession spark, Path work, PrintStream log) {
    this.spark = spark;
    this.work = work;
    this.log = log;
    this.root = projectRoot();
  }

  /**
   * The kill schedule, in the order its moments occur in a run: inside each Delta write (its data
   * files staged, not yet committed), inside each model save, and between actions.
   */
  List<Moment> moments() {
    return List.of(
        new Moment("featurize: staged Delta files", staged("product_features")),
        new Moment("train-category: saving the model", appears("trained/category", ".tmp-")),
        new Moment("predict-category: staged Delta files", staged("category_predictions")),
        new Moment("entropy: staged Delta files", staged("query_entropy")),
        new Moment("after entropy (between branches)", after("entropy")),
        new Moment("budget-features: staged Delta files", staged("budget_features")),
        new Moment("train-budget: saving the models", appears("models_staging/budget", ".tmp-")),
        new Moment("recommend-budget: staged Delta files", staged("budget_recommendations")),
        new Moment("after recommend-budget (before publish)", after("recommend-budget")),
        new Moment("publish: a version draft in the registry", publishing()));
  }

  /**
   * Builds the earlier run (the "before" state) and an uninterrupted run (the reference), each as a
   * {@code jobs/nightly} process; with {@code reuse}, those already in the work directory are kept.
   */
  void prepare(boolean reuse) {
    Path b = work.resolve("base");
    prepare(b, () -> reuse ? exitOf(work.resolve("base.log")) : nightly(b, work.resolve("base.log"), false, false, BEFORE_SETS),
        ref -> reuse ? exitOf(work.resolve("reference.log")) : nightly(ref, work.resolve("reference.log"), false, false, List.of()),
        reuse);
  }

  /**
   * The earlier run is {@code world} (the same command as {@link #prepare(boolean)}'s, run in this
   * JVM) and the uninterrupted run runs in this JVM too: both are only the expected states. So does
   * the chain's closing plain rerun, which nothing kills; every kill and recovery still runs
   * {@code jobs/nightly} as its own process.
   */
  void prepare(NightlyWorld world) {
    rerunInThisJvm = true;
    prepare(world.warehouse(), () -> world.outcome().status(),
        ref -> NightlyWorld.run(ref, work.resolve("reference.log"), SETS).status(), false);
  }

  private void prepare(Path earlier, java.util.function.IntSupplier earlierRun,
      java.util.function.ToIntFunction<Path> uninterruptedRun, boolean reuse) {
    base = earlier;
    long t = System.nanoTime();
    int s = earlierRun.getAsInt();
    built = built || reuse;
    check(s == 0 || s == 3, "the earlier run failed (exit " + s + "), see the log beside " + base);
    before = snapshot(base);
    baseFiles = new TreeMap<>();
    for (String key : before.tables().keySet()) {
      String table = key.replaceFirst("\\[.*$", ""); // a writer's part of a table: the table's files
      baseFiles.put(table, rawFiles(base.resolve(table)));
    }
    log.printf(Locale.ROOT, "reliability: earlier run %.0fs, %d tables%n", (System.nanoTime() - t) / 1e9,
        before.tables().size());
    Path ref = reuse ? work.resolve("reference") : copy(base, work.resolve("reference"));
    t = System.nanoTime();
    s = uninterruptedRun.applyAsInt(ref);
    referenceExit = s;
    check(s == 0 || s == 3, "the uninterrupted run failed (exit " + s + "), see " + work.resolve("reference.log"));
    reference = snapshot(ref);
    log.printf(Locale.ROOT, "reliability: uninterrupted run %.0fs, exit %d%n", (System.nanoTime() - t) / 1e9, s);
    List<String> same = new ArrayList<>();
    reference.tables().forEach((k, v) -> {
      if (v.equals(before.tables().get(k))) {
        same.add(k);
      }
    });
    log.println("reliability: tables the rerun leaves unchanged (before = after): " + same);
  }

  Snapshot reference() {
    return reference;
  }

  /** The warehouse after the last plain rerun of the date ({@link #chain} or {@link #rerunUnchanged}); null before. */
  Snapshot lastRerun() {
    return lastRerun;
  }

  /** The registry's model versions and aliases in a snapshot: {@code models/budget/1}, {@code models/budget/aliases/current=2}. */
  static List<String> registry(Snapshot s) {
    List<String> out = new ArrayList<>();
    s.dirs().forEach((d, files) -> {
      if (d.startsWith("models/")) {
        out.add(d.contains("/aliases/") ? d + "=" + String.join(",", files) : d);
      }
    });
    return out;
  }

  /**
   * Runs the date again over the uninterrupted run, with the same settings: every table and every
   * model directory must stay exactly as it was (no duplicate rows, no second model version).
   */
  List<String> rerunUnchanged() {
    Path wh = copy(work.resolve("reference"), work.resolve("rerun"));
    List<String> problems = new ArrayList<>();
    int s = nightly(wh, work.resolve("rerun.log"), false, false, List.of());
    if (s != referenceExit) {
      problems.add("the rerun ended with exit " + s + ", the first run with " + referenceExit);
    }
    lastRerun = snapshot(wh);
    equal(reference, lastRerun, "after running the date twice", problems);
    return problems;
  }

  /**
   * Kills a run at {@code m}, checks the warehouse, then reruns the date ({@code --resume} or
   * plain) and compares with the reference. With {@code expectLockRefusal} the first rerun omits
   * --break-lock and must be refused naming the dead owner.
   */
  Outcome killAndRecover(int i, Moment m, boolean resume, boolean expectLockRefusal) {
    Path wh = copy(base, work.resolve("kill-" + i));
    Path out = work.resolve("kill-" + i + ".log");
    List<String> problems = new ArrayList<>();
    Process p = start(wh, out, false, false, List.of());
    long t0 = System.nanoTime();
    boolean killed = false;
    try {
      while (p.isAlive()) {
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.ISO_8859_1) : "";
        if (m.trigger().fired(wh, text)) {
          killTree(p);
          killed = true;
          break;
        }
        Thread.sleep(5);
      }
      p.waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    double at = (System.nanoTime() - t0) / 1e9;
    if (!killed) {
      problems.add("the run ended (exit " + p.exitValue() + ") before the moment came");
    }
    Snapshot after = snapshot(wh);
    List<String> atKill = new ArrayList<>();
    boolean consistent = consistent(after, problems, atKill);

    if (expectLockRefusal) {
      int s = nightly(wh, work.resolve("kill-" + i + "-locked.log"), resume, false, List.of());
      String text = read(work.resolve("kill-" + i + "-locked.log"));
      if (s != 1 || !text.contains("is locked by another run: jobs/nightly --date " + DATE)
          || !text.contains("pid " + p.pid()) || !text.contains("rerun with --break-lock")) {
        problems.add("a rerun over the dead run's lock was not refused naming it (exit " + s + "): " + text.strip());
      }
    }
    int s = nightly(wh, work.resolve("kill-" + i + "-rerun.log"), resume, true, List.of());
    boolean recovered = s == referenceExit;
    if (!recovered) {
      problems.add("the rerun" + (resume ? " with --resume" : "") + " failed (exit " + s + "), see "
          + work.resolve("kill-" + i + "-rerun.log"));
    }
    boolean equal = recovered && equal(reference, snapshot(wh), "after the rerun", problems);
    return new Outcome(m.name(), killed, at, atKill, consistent, recovered, equal, problems);
  }

  /**
   * The whole schedule on one warehouse, each kill landing in the {@code --resume} run that
   * follows the previous kill (as an operator would recover), then a last {@code --resume} to the
   * end and a plain rerun of the date: the cheap way to take many kills on a slow machine. After
   * every kill the warehouse must be consistent; a kill counts as recovered when the next run got
   * past it (reached the next moment, or the end, without a failed action); the final tables must
   * equal the uninterrupted run's after the resume and again after the plain rerun.
   */
  List<Outcome> chain(List<Moment> schedule) {
    Path wh = copy(base, work.resolve("chain"));
    List<Outcome> outcomes = new ArrayList<>();
    List<String> pending = new ArrayList<>();
    long lastPid = -1;
    for (int i = 0; i <= schedule.size(); i++) {
      Moment m = i < schedule.size() ? schedule.get(i) : null;
      Path out = work.resolve("chain-" + i + ".log");
      if (i == 1) { // the dead run's lock refuses a run that does not break it, naming the owner
        int s = nightly(wh, work.resolve("chain-locked.log"), true, false, List.of());
        String text = read(work.resolve("chain-locked.log"));
        if (s != 1 || !text.contains("is locked by another run: jobs/nightly --date " + DATE)
            || !text.contains("pid " + lastPid) || !text.contains("rerun with --break-lock")) {
          pending.add("a run over the dead run's lock was not refused naming it (exit " + s + "): " + text.strip());
        }
      }
      Process p = start(wh, out, i > 0, i > 0, List.of());
      boolean killed = m != null && waitAndKill(p, m, wh, out);
      long t0 = System.nanoTime();
      int exit = killed ? -9 : waitFor(p);
      String text = read(out);
      boolean progressed = !text.contains("FAILED(");
      if (i > 0) { // this run is the recovery of the previous kill
        Outcome prev = outcomes.get(i - 1);
        List<String> problems = new ArrayList<>(prev.problems());
        problems.addAll(pending);
        pending.clear();
        if (!progressed) {
          problems.add("the --resume run after the kill failed: " + failedLine(text));
        }
        outcomes.set(i - 1, new Outcome(prev.moment(), prev.killed(), prev.killedAtSeconds(), prev.atKill(),
            prev.consistent(), progressed && (killed || exit == referenceExit), prev.equalAfterRerun(), problems));
      }
      if (m == null) {
        List<String> problems = new ArrayList<>();
        if (exit != referenceExit) {
          problems.add("the last --resume run ended with exit " + exit + ", the uninterrupted run with "
              + referenceExit + ": " + summaryLine(text) + ", see " + out);
        }
        boolean equal = equal(reference, snapshot(wh), "after the last --resume", problems) && exit == referenceExit;
        // Nothing is killed in this run: prepared from a world, it runs in this JVM (no JVM start).
        int s = rerunInThisJvm ? NightlyWorld.run(wh, work.resolve("chain-rerun.log"), SETS).status()
            : nightly(wh, work.resolve("chain-rerun.log"), false, false, List.of());
        if (s != referenceExit) {
          problems.add("the plain rerun ended with exit " + s + ", the uninterrupted run with " + referenceExit
              + ": " + summaryLine(read(work.resolve("chain-rerun.log"))) + ", see " + work.resolve("chain-rerun.log"));
        }
        lastRerun = snapshot(wh);
        equal = equal(reference, lastRerun, "after a plain rerun", problems) && equal && s == referenceExit;
        for (int k = 0; k < outcomes.size(); k++) {
          Outcome o = outcomes.get(k);
          List<String> all = new ArrayList<>(o.problems());
          if (k == outcomes.size() - 1) {
            all.addAll(problems);
          }
          outcomes.set(k, new Outcome(o.moment(), o.killed(), o.killedAtSeconds(), o.atKill(), o.consistent(),
              o.recovered(), equal, all));
        }
        break;
      }
      List<String> problems = new ArrayList<>();
      if (!killed) {
        problems.add("the run ended (exit " + exit + ") before the moment came");
      }
      List<String> atKill = new ArrayList<>();
      boolean consistent = consistent(snapshot(wh), problems, atKill);
      log.println("reliability: kill " + (i + 1) + " at " + m.name() + ": " + (killed ? "killed" : "NOT KILLED") + ", "
          + (consistent ? "consistent" : "INCONSISTENT") + ", tables new at the kill " + atKill + problems);
      outcomes.add(new Outcome(m.name(), killed, (System.nanoTime() - t0) / 1e9, atKill, consistent, false, false,
          problems));
      lastPid = p.pid();
    }
    return outcomes;
  }

  /** Polls until the moment comes (then SIGKILLs the tree and returns true) or the run ends. */
  private boolean waitAndKill(Process p, Moment m, Path wh, Path out) {
    try {
      while (p.isAlive()) {
        String text = Files.exists(out) ? Files.readString(out, StandardCharsets.ISO_8859_1) : "";
        if (m.trigger().fired(wh, text)) {
          killTree(p);
          p.waitFor(60, TimeUnit.SECONDS);
          return true;
        }
        Thread.sleep(5);
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int waitFor(Process p) {
    try {
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        killTree(p);
        return -1;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The exit status a finished nightly's output shows: 3 when a model was not blessed, else 0 or 1. */
  private static int exitOf(Path log) {
    String text = read(log);
    check(text.contains("nightly summary:"), "no finished run in " + log);
    return text.contains("FAILED(") ? 1 : text.matches("(?s).*summary: \\d+ actions, \\d+ OK, [1-9]\\d* NOT BLESSED.*") ? 3 : 0;
  }

  private static String summaryLine(String text) {
    return text.lines().filter(l -> l.startsWith("nightly summary:")).findFirst().orElse("no summary line");
  }

  private static String failedLine(String text) {
    return text.lines().filter(l -> l.contains("FAILED(")).findFirst().orElse("-");
  }

  /** Each table equals its state before the run or its complete new state; versioned dirs whole or absent. */
  private boolean consistent(Snapshot after, List<String> problems, List<String> atKill) {
    int n = problems.size();
    Set<String> tables = new HashSet<>(reference.tables().keySet());
    tables.addAll(after.tables().keySet());
    for (String t : new java.util.TreeSet<>(tables)) {
      List<String> now = after.tables().get(t);
      if (now == null) {
        if (before.tables().containsKey(t)) {
          problems.add("table " + t + " is gone or unreadable");
        }
        continue;
      }
      if (now.size() == 1 && now.get(0).startsWith("UNREADABLE ")) {
        problems.add("table " + t + " is unreadable: " + now.get(0));
      } else if (now.equals(reference.tables().get(t))) {
        if (!now.equals(before.tables().get(t))) {
          atKill.add(t + "=new");
        }
      } else if (!now.equals(before.tables().get(t))) {
        problems.add("table " + t + " is neither its state before the run (" + size(before.tables().get(t))
            + " rows) nor the complete new one (" + size(reference.tables().get(t)) + " rows): " + now.size() + " rows");
      }
    }
    after.dirs().forEach((d, files) -> {
      if (!files.equals(reference.dirs().get(d)) && !files.equals(before.dirs().get(d))) {
        problems.add("directory " + d + " is half-visible: " + files + ", complete: " + reference.dirs().get(d));
      }
    });
    return problems.size() == n;
  }

  private static String size(List<String> rows) {
    return rows == null ? "absent" : String.valueOf(rows.size());
  }

  static boolean equal(Snapshot expected, Snapshot actual, String when, List<String> problems) {
    int n = problems.size();
    if (!expected.tables().keySet().equals(actual.tables().keySet())) {
      problems.add(when + ": tables " + actual.tables().keySet() + ", expected " + expected.tables().keySet());
    }
    expected.tables().forEach((t, rows) -> {
      List<String> got = actual.tables().get(t);
      if (got != null && !got.equals(rows)) {
        List<String> missing = new ArrayList<>(rows);
        missing.removeAll(got);
        List<String> extra = new ArrayList<>(got);
        extra.removeAll(rows);
        problems.add(when + ": table " + t + " has " + got.size() + " rows, expected " + rows.size() + "; missing "
            + missing.size() + " e.g. " + first(missing) + "; unexpected " + extra.size() + " e.g. " + first(extra));
      }
    });
    if (!expected.dirs().keySet().equals(actual.dirs().keySet())) { // e.g. a second model version
      problems.add(when + ": directories " + actual.dirs().keySet() + ", expected " + expected.dirs().keySet());
    }
    expected.dirs().forEach((d, files) -> {
      if (!files.equals(actual.dirs().get(d))) {
        problems.add(when + ": directory " + d + " holds " + actual.dirs().get(d) + ", expected " + files);
      }
    });
    return problems.size() == n;
  }

  private static String first(List<String> rows) {
    if (rows.isEmpty()) {
      return "-";
    }
    String r = rows.get(0);
    return r.length() > 400 ? r.substring(0, 400) + "..." : r;
  }

  /**
   * Every Delta table's rows as sorted JSON (a multiset, so duplicates show), and the file names of
   * the versioned directories with Spark's random UUIDs masked.
   */
  Snapshot snapshot(Path wh) {
    Map<String, List<String>> tables = new TreeMap<>();
    try (Stream<Path> s = Files.list(wh)) {
      for (Path dir : s.sorted().toList()) {
        if (!Files.isDirectory(dir.resolve("_delta_log"))) {
          continue;
        }
        String name = dir.getFileName().toString();
        try {
          Dataset<Row> df = stable(name, spark.read().format("delta").load(dir.toString()));
          String writer = WRITER_COLUMN.get(name);
          if (writer == null) {
            tables.put(name, sortedJson(df));
          } else { // one entry per writing action's partitions: each is replaced in its own transaction
            for (Row v : df.select(writer).distinct().collectAsList()) {
              tables.put(name + "[" + writer + "=" + v.get(0) + "]",
                  sortedJson(df.where(org.apache.spark.sql.functions.col(writer).eqNullSafe(v.get(0)))));
            }
          }
        } catch (RuntimeException e) {
          tables.put(name, List.of("UNREADABLE " + e));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Set<String>> dirs = new TreeMap<>();
    List<String> versioned = new ArrayList<>(VERSIONED_DIRS);
    for (String model : REGISTRY_MODELS) {
      Path m = wh.resolve("models").resolve(model);
      if (Files.isDirectory(m)) {
        try (Stream<Path> s = Files.list(m)) {
          s.map(v -> v.getFileName().toString()).filter(v -> v.matches("\\d+")).forEach(v -> versioned.add("models/" + model + "/" + v));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        for (String alias : List.of("current", "previous")) {
          Path a = m.resolve("aliases").resolve(alias);
          if (Files.exists(a)) {
            dirs.put("models/" + model + "/aliases/" + alias, Set.of(read(a).strip()));
          }
        }
      }
    }
    for (String d : versioned) {
      Path p = wh.resolve(d);
      if (Files.isDirectory(p)) {
        dirs.put(d, files(p));
      }
    }
    return new Snapshot(tables, dirs);
  }

  private static List<String> sortedJson(Dataset<Row> df) {
    List<String> rows = new ArrayList<>(df.toJSON().collectAsList());
    rows.sort(Comparator.naturalOrder());
    return rows;
  }

  /**
   * Tables written by several actions, each replacing its own partitions (train-category and
   * predict-category both write category_metrics, every job its quarantine rows): between those
   * actions the table is legitimately half old, half new, so each writer's part is compared apart.
   */
  static final Map<String, String> WRITER_COLUMN = Map.of(
      "category_metrics", "source", "quarantine", "job", "model_metrics", "model");

  /**
   * The columns of a table that depend on the run, not the data (wall-clock seconds); dropped before
   * comparing. Everything else must match exactly.
   */
  static Dataset<Row> stable(String table, Dataset<Row> df) {
    return df;
  }

  /** File names as they are (a new write's files have new random names). */
  private static Set<String> rawFiles(Path dir) {
    Set<String> names = new java.util.TreeSet<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile).forEach(f -> names.add(dir.relativize(f).toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  private static Set<String> files(Path dir) {
    Set<String> names = new java.util.TreeSet<>();
    if (!Files.isDirectory(dir)) {
      return names;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(Files::isRegularFile).forEach(f -> names.add(
          dir.relativize(f).toString().replaceAll(UUID, "UUID").replaceAll(STAGE_UID, "_UID")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  // ---- triggers

  /** A data file of {@code table} that the earlier run did not write: this run's write is staged. */
  private Trigger staged(String table) {
    return (wh, out) -> {
      Set<String> old = baseFiles.getOrDefault(table, Set.of());
      Path dir = wh.resolve(table);
      if (!Files.isDirectory(dir)) {
        return false;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        return s.anyMatch(f -> f.getFileName().toString().endsWith(".parquet") && !f.toString().contains("_delta_log")
            && !old.contains(dir.relativize(f).toString()));
      } catch (IOException | UncheckedIOException e) {
        return false; // a file vanished while listing
      }
    };
  }

  private static Trigger after(String action) {
    return (wh, out) -> out.lines().anyMatch(l -> l.startsWith("nightly ds=" + DATE + " " + action + " ")
        && !l.contains("FAILED") && !l.contains("SKIPPED"));
  }

  /** A version draft ({@code .tmp-*}) in any model's registry directory. */
  private static Trigger publishing() {
    List<Trigger> drafts = REGISTRY_MODELS.stream().map(m -> appears("models/" + m, ".tmp-")).toList();
    return (wh, out) -> {
      for (Trigger t : drafts) {
        if (t.fired(wh, out)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Trigger appears(String parent, String prefix) {
    return (wh, out) -> {
      Path dir = wh.resolve(parent);
      if (!Files.isDirectory(dir)) {
        return false;
      }
      try (Stream<Path> s = Files.list(dir)) {
        return s.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
      } catch (IOException | UncheckedIOException e) {
        return false;
      }
    };
  }

  // ---- processes

  private int nightly(Path wh, Path out, boolean resume, boolean breakLock, List<String> extra) {
    Process p = start(wh, out, resume, breakLock, extra);
    try {
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        killTree(p);
        throw new IllegalStateException("jobs/nightly did not finish in 15 minutes, see " + out);
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Process start(Path wh, Path out, boolean resume, boolean breakLock, List<String> extra) {
    List<String> cmd = new ArrayList<>(List.of(root.resolve("jobs/nightly").toString(), "--in-process",
        "--date", DATE, "--warehouse", wh.toString(), "--sample", "--train-category"));
    cmd.addAll(SETS);
    cmd.addAll(extra);
    if (resume) {
      cmd.add("--resume");
    }
    if (breakLock) {
      cmd.add("--break-lock");
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile());
    // A small heap: the machine is shared, and the data is tiny.
    pb.environment().put("NIGHTJAR_DRIVER_MEMORY", "1g");
    if (built) {
      pb.environment().put("NIGHTJAR_SKIP_BUILD", "1");
    }
    built = true; // the first run (re)builds the job jar when stale
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + cmd + ": " + e.getMessage(), e);
    }
  }

  /** SIGKILL to the process and every descendant (jobs/nightly execs java; children of --in-process none). */
  static void killTree(Process p) {
    List<ProcessHandle> all = new ArrayList<>();
    all.add(p.toHandle());
    p.descendants().forEach(all::add);
    all.forEach(ProcessHandle::destroyForcibly); // SIGKILL on Unix: no shutdown hooks run
  }

  // ---- files

  private static Path copy(Path from, Path to) {
    try {
      deleteTree(to);
      try (Stream<Path> s = Files.walk(from)) {
        for (Path f : s.toList()) {
          Path t = to.resolve(from.relativize(f).toString());
          if (Files.isDirectory(f)) {
            Files.createDirectories(t);
          } else {
            Files.copy(f, t, StandardCopyOption.COPY_ATTRIBUTES);
          }
        }
      }
      return to;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (Files.exists(p)) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static String read(Path f) {
    try {
      return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  /** The checkout holding jobs/nightly: two levels above target/test-classes. */
  private static Path projectRoot() {
    try {
      Path classes = Path.of(KillHarness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path r = classes.getParent().getParent();
      check(Files.isExecutable(r.resolve("jobs/nightly")), "no jobs/nightly under " + r);
      return r;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

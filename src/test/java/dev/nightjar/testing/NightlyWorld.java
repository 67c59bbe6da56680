package dev.nightjar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One complete nightly run on a tiny sample world, built once per test JVM (in-process, on the
 * shared session) and then only read: tests that need "a warehouse after a whole nightly" share it
 * instead of each running their own (a nightly is about a minute). Whoever writes must copy it.
 */
public final class NightlyWorld {
  public static final String DATE = "2026-11-20";
  public static final int PRODUCTS = 300;
  /** Tiny world, budget gate wide open (so recommend-budget and publish run). */
  public static final List<String> SETS = List.of(
      "--set", "sample.products=" + PRODUCTS, "--set", "sample.budget.shops=60", "--set", "sample.budget.days=30",
      "--set", "category.train.num-features=262144",
      "--set", "monitoring.thresholds.calibration-error-max=1", "--set", "monitoring.thresholds.range-coverage-error-max=1",
      "--set", "monitoring.thresholds.auc-min=0", "--set", "monitoring.thresholds.log-loss-max=10",
      "--set", "monitoring.thresholds.cpv-rmse-log-max=10", "--set", "monitoring.z-max=1000",
      "--set", "publish.category.thresholds.hF-min=0.1", "--set", "publish.category.max-hf-drop=1");
  /**
   * The world's own settings over {@link #SETS}: the crash test reruns the date with SETS alone, so
   * almost every table's contents change (not the featurization: featurize refuses to mix two in
   * product_features).
   */
  public static final List<String> BEFORE_SETS = List.of(
      "--set", "category.train.epochs=2",
      "--set", "entropy.threshold.l1=1.0", "--set", "budget.min-chance=0.3");

  private static NightlyWorld world;

  private final Path warehouse;
  private final Jobs.Outcome outcome;

  private NightlyWorld(Path warehouse, Jobs.Outcome outcome) {
    this.warehouse = warehouse;
    this.outcome = outcome;
  }

  /** The world, built by the first caller in this JVM (under target/, kept as evidence until the next build). */
  public static synchronized NightlyWorld get() {
    if (world == null) {
      Path dir = Path.of("target", "nightly-world").toAbsolutePath();
      deleteTree(dir);
      Path wh = dir.resolve("wh");
      List<String> extra = new ArrayList<>(SETS);
      extra.addAll(BEFORE_SETS);
      world = new NightlyWorld(wh, run(wh, dir.resolve("nightly.log"), extra));
    }
    return world;
  }

  /** The warehouse: read it, never write it. */
  public Path warehouse() {
    return warehouse;
  }

  /** Status and output of {@code nightly --json}: the summary document on stdout, progress on stderr. */
  public Jobs.Outcome outcome() {
    return outcome;
  }

  /**
   * {@code jobs/nightly --in-process --date DATE --warehouse WH --train-category --json EXTRA...} in
   * this JVM; its stderr (the run's progress and summary) also goes to {@code log}.
   */
  public static Jobs.Outcome run(Path wh, Path log, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("nightly", "--workflow", "workflows/nightly/workflow.xml",
        "--properties", "workflows/nightly/job.properties", "--in-process", "--date", DATE, "--warehouse",
        wh.toString(), "--sample", "--train-category", "--json", "--set",
        "nightly.log-dir=" + log.resolveSibling(log.getFileName() + ".d")));
    args.addAll(extra);
    Jobs.Outcome o = Jobs.main(args.toArray(String[]::new));
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, o.err() + o.out(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return o;
  }

  private static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

package dev.nightjar.sample;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Parallel;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;

/**
 * {@code jobs/run generate-sample}: writes a deterministic synthetic world into the warehouse
 * (tables {@value #TAXONOMY} and {@value #PRODUCTS}).
 */
public final class GenerateSampleJob implements Job {
  public static final String TAXONOMY = "taxonomy";
  public static final String PRODUCTS = "products";

  static final String SEED = "sample.seed";
  static final String NUM_PRODUCTS = "sample.products";
  static final String TAXONOMY_FILE = "sample.taxonomy";
  static final String BAD_ROW_SHARE = "sample.bad-row-share";
  static final String PARTITIONS = "sample.partitions";

  /** The settings of one run, validated before any work starts. */
  record Options(long seed, long products, String taxonomy, double badRowShare, int partitions) {
    static Options from(com.typesafe.config.Config c) {
      return new Options(
          Settings.longIn(c, SEED, Long.MIN_VALUE, Long.MAX_VALUE),
          Settings.longIn(c, NUM_PRODUCTS, 1, 10_000_000_000L),
          Settings.string(c, TAXONOMY_FILE),
          Settings.doubleIn(c, BAD_ROW_SHARE, 0.0, 0.5),
          Settings.intIn(c, PARTITIONS, 0, 100_000));
    }
  }

  @Override
  public String name() {
    return "generate-sample";
  }

  @Override
  public String description() {
    return "write a deterministic synthetic world (taxonomy, labelled products) into the warehouse";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("seed", SEED, "N", "random seed; the same seed writes the same rows"),
        OptionSpec.config("products", NUM_PRODUCTS, "N", "number of products"),
        OptionSpec.config("taxonomy", TAXONOMY_FILE, "FILE",
            "taxonomy in Google's 'id - A > B > C' format, or 'builtin'"));
  }

  @Override
  public void validate(JobContext context) {
    Options o = Options.from(context.config());
    if (!o.taxonomy().equals(Taxonomy.BUILTIN) && !Files.isRegularFile(Path.of(o.taxonomy()))) {
      throw new UsageException("Cannot set " + TAXONOMY_FILE + " to " + o.taxonomy()
          + ": expected 'builtin' or a taxonomy file, and no such file exists");
    }
  }

  /** The taxonomy a run of these options uses. */
  static Taxonomy loadTaxonomy(String spec) {
    if (spec.equals(Taxonomy.BUILTIN)) {
      return Taxonomy.builtin();
    }
    try {
      return Taxonomy.parseGoogle(Path.of(spec));
    } catch (IllegalArgumentException e) {
      throw new UsageException("Cannot load taxonomy: " + e.getMessage(), e);
    }
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Taxonomy taxonomy = loadTaxonomy(o.taxonomy());
    Warehouse w = Warehouse.of(context);
    int partitions =
        o.partitions() > 0
            ? o.partitions()
            : (int) Math.max(w.spark().sparkContext().defaultParallelism(), o.products() / 100_000);
    ProductGenerator generator = new ProductGenerator(taxonomy, o.seed(), o.badRowShare());
    JobResult.Builder result = JobResult.builder(name());
    // Tables that do not read each other are written side by side: a small Delta write is mostly
    // one driver thread planning and committing, so two at a time keep both cores busy.
    inParallel(result, List.of(
        () -> {
          context.stage("write taxonomy (" + taxonomy.size() + " categories)");
          return JobResult.builder(name()).rows(TAXONOMY, w.replaceAll(TAXONOMY, SampleTables.taxonomy(w.spark(), taxonomy))).build();
        },
        () -> {
          context.stage("generate " + o.products() + " products");
          return JobResult.builder(name())
              .rows(PRODUCTS, w.replaceAll(PRODUCTS, SampleTables.products(w.spark(), generator, o.products(), partitions))).build();
        }));
    SampleWorld world =
        new SampleWorld(o.seed(), taxonomy, generator, o.products(), partitions, w.read(PRODUCTS));
    List<Callable<JobResult>> datasets = new ArrayList<>();
    for (SampleDataset d : ServiceLoader.load(SampleDataset.class, GenerateSampleJob.class.getClassLoader())) {
      datasets.add(() -> {
        context.stage("generate " + d.name());
        JobResult.Builder part = JobResult.builder(name());
        d.write(context, world, w, part);
        return part.build();
      });
    }
    inParallel(result, datasets);
    return result.metric("seed", o.seed()).build();
  }

  /**
   * Runs the writers at once, each on its own thread, then adds their rows and metrics to {@code
   * into} in list order, so the result does not depend on which finished first.
   */
  private static void inParallel(JobResult.Builder into, List<Callable<JobResult>> writers) {
    for (JobResult r : Parallel.all("generate-sample", i -> "generate-sample-writer", writers)) {
      r.rowsWritten().forEach(into::rows);
      r.metrics().forEach(into::metric);
    }
  }
}

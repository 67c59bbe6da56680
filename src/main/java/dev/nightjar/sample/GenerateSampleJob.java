package dev.nightjar.sample;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

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
    Warehouse w = context.warehouse();
    int partitions =
        o.partitions() > 0
            ? o.partitions()
            : (int) Math.max(w.spark().sparkContext().defaultParallelism(), o.products() / 100_000);
    ProductGenerator generator = new ProductGenerator(taxonomy, o.seed(), o.badRowShare());
    JobResult.Builder result = JobResult.builder(name());
    context.stage("write taxonomy (" + taxonomy.size() + " categories)");
    result.rows(TAXONOMY, w.replaceAll(TAXONOMY, SampleTables.taxonomy(w.spark(), taxonomy)));
    context.stage("generate " + o.products() + " products");
    result.rows(PRODUCTS, w.replaceAll(PRODUCTS, SampleTables.products(w.spark(), generator, o.products(), partitions)));
    SampleWorld world =
        new SampleWorld(o.seed(), taxonomy, generator, o.products(), partitions, w.read(PRODUCTS));
    for (SampleDataset d : ServiceLoader.load(SampleDataset.class, GenerateSampleJob.class.getClassLoader())) {
      context.stage("generate " + d.name());
      d.write(context, world, w, result);
    }
    return result.metric("seed", o.seed()).build();
  }
}

package dev.nightjar.category;

import static dev.nightjar.testing.BenchSupport.seconds;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.sample.ProductGenerator;
import dev.nightjar.sample.SampleTables;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/bench category-scale --products 1000000 --taxonomy FILE}: generated products over a
 * large taxonomy (e.g. all 5,582 Google categories). Prints training seconds (tokenizing
 * included), prediction products/s from featurized products (as the nightly predicts from
 * product_features) with the configured beam width and greedily, featurizing alone and
 * featurizing with predicting in one pass, the peak heap of this JVM (driver and local
 * executors), and the training-time ratio between {@code --factor} (3) times the products and
 * the products.
 */
public final class CategoryScaleBench implements Job {
  @Override
  public String name() {
    return "bench-category-scale";
  }

  @Override
  public String description() {
    return "Kesler training/prediction at scale (1M products, Google taxonomy) and the 3M/1M time ratio";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("products", "N", "generated products", "1000000"),
        OptionSpec.value("taxonomy", "FILE", "Google-format taxonomy", "builtin"),
        OptionSpec.value("epochs", "N", "training epochs", "3"),
        OptionSpec.value("factor", "K", "second run with K times the products (1 skips it)", "3"),
        OptionSpec.value("model", "DIR",
            "measure prediction with the model saved in DIR (trained on the first run's products and saved there when absent; train_s=0 when loaded)", ""),
        OptionSpec.flag("collisions", "count (class, term) pairs sharing a hashed bucket"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/category-scale"));
  }

  @Override
  public JobResult run(JobContext context) {
    SparkSession spark = context.spark();
    long n = BenchSupport.longOption(context, "products", 1_000_000);
    int epochs = (int) BenchSupport.longOption(context, "epochs", 3);
    long factor = BenchSupport.longOption(context, "factor", 3);
    String taxSpec = context.option("taxonomy").orElse("builtin");
    Taxonomy taxonomy = taxSpec.equals("builtin") ? Taxonomy.builtin() : Taxonomy.parseGoogle(Path.of(taxSpec));
    Path work = BenchSupport.workDir(context, "category-scale");
    ProductGenerator gen = new ProductGenerator(taxonomy, 11, 0.0);
    TrainCategoryJob.Options o = TrainCategoryJob.Options.from(context.config());
    CategoryData.Text text = CategoryData.Text.from(context.config());

    String modelDir = context.option("model").orElse("");
    double[] first = runOnce(context, spark, gen, taxonomy, o, text, n, epochs, work.resolve("p1"), modelDir);
    System.out.printf(Locale.ROOT,
        "BENCH category-scale products=%d classes=%d epochs=%d train_s=%.1f predict_products_per_s=%.0f peak_heap_mb=%.0f holdout_hF=%.4f%n",
        n, taxonomy.size(), epochs, first[0], first[1], first[2], first[3]);
    if (factor > 1) {
      double[] second = runOnce(context, spark, gen, taxonomy, o, text, n * factor, epochs, work.resolve("p2"), "");
      System.out.printf(Locale.ROOT,
          "BENCH category-scale products=%d classes=%d epochs=%d train_s=%.1f predict_products_per_s=%.0f peak_heap_mb=%.0f holdout_hF=%.4f%n",
          n * factor, taxonomy.size(), epochs, second[0], second[1], second[2], second[3]);
      System.out.printf(Locale.ROOT, "BENCH category-scale train_ratio_%dx=%.2f%n", factor, second[0] / first[0]);
    }
    return JobResult.builder(name()).build();
  }

  /** train seconds, prediction products/s, peak heap MB, holdout hF. */
  private static double[] runOnce(JobContext context, SparkSession spark, ProductGenerator gen, Taxonomy taxonomy,
      TrainCategoryJob.Options o, CategoryData.Text text, long n, int epochs, Path dir, String modelDir) {
    int partitions = Math.max(spark.sparkContext().defaultParallelism(), (int) (n / 100_000));
    context.stage("generate " + n + " products");
    SampleTables.products(spark, gen, n, partitions).write().parquet(dir.toString());
    System.gc();
    resetPeaks();
    context.stage("train on " + n + " products");
    long t0 = System.nanoTime();
    KeslerModel model;
    double trainS;
    if (!modelDir.isEmpty() && java.nio.file.Files.isDirectory(Path.of(modelDir))) {
      model = KeslerModel.load(modelDir);
      trainS = 0;
    } else {
      Dataset<Row> train = CategoryData.tokenize(spark.read().parquet(dir.toString()), "generated", text);
      model = o.classifier(taxonomy).setEpochs(epochs).fit(train);
      trainS = seconds(t0);
      if (!modelDir.isEmpty()) {
        try {
          model.write().save(modelDir);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    }
    Dataset<Row> tokens = CategoryData.tokenize(spark.read().parquet(dir.toString()), "generated", text);
    if (context.flag("collisions")) {
      context.stage("count hash collisions");
      System.out.println(CategoryBench.collisions(tokens, taxonomy, o.numFeatures(), "generated-" + n));
    }
    // Prediction reads featurized products, as predict-category reads the night's product_features:
    // the terms are written once (featurize's share, timed on its own), then predicted with the
    // configured beam width and greedily; then featurizing and predicting in one pass, as
    // predict-category --products does.
    context.stage("featurize " + n + " products");
    String features = dir + "-features";
    long tf = System.nanoTime();
    tokens.write().mode("overwrite").parquet(features);
    double featurizeRate = n / seconds(tf);
    Dataset<Row> featurized = spark.read().parquet(features);
    int beam = dev.nightjar.common.Settings.intIn(context.config(), PredictCategoryJob.BEAM_WIDTH, 1, 64);
    double[] rates = new double[2];
    double[] hFs = new double[2];
    int[] widths = {beam, 1};
    Dataset<Row> sample = featurized.where(TrainCategoryJob.holdout(0.01).apply(org.apache.spark.sql.functions.col("title")));
    for (int i = 0; i < 2; i++) {
      context.stage("predict " + n + " products, beam width " + widths[i]);
      long t1 = System.nanoTime();
      model.setPredictionCol("predicted").setMinConfidence(0).setBeamWidth(widths[i]).transform(featurized)
          .write().format("noop").mode("overwrite").save();
      rates[i] = n / seconds(t1);
      hFs[i] = CategoryBench.evaluate(model, sample).overall().hF();
    }
    context.stage("featurize and predict " + n + " products, beam width " + beam);
    long t2 = System.nanoTime();
    model.setBeamWidth(beam).transform(tokens).write().format("noop").mode("overwrite").save();
    double inProcess = n / seconds(t2);
    double peak = peakHeapMb();
    System.out.printf(Locale.ROOT, "BENCH category-scale-predict products=%d beam_width=%d predict_products_per_s=%.0f holdout_hF=%.4f"
        + " greedy_predict_products_per_s=%.0f greedy_holdout_hF=%.4f featurize_products_per_s=%.0f"
        + " featurize_and_predict_products_per_s=%.0f%n", n, beam, rates[0], hFs[0], rates[1], hFs[1], featurizeRate, inProcess);
    return new double[] {trainS, rates[0], peak, hFs[0]};
  }

  private static void resetPeaks() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  private static double peakHeapMb() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum / 1048576.0;
  }
}

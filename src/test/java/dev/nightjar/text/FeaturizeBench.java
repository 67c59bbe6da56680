package dev.nightjar.text;

import static dev.nightjar.testing.BenchSupport.fmt;
import static dev.nightjar.testing.BenchSupport.seconds;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.sample.ProductGenerator;
import dev.nightjar.sample.SampleTables;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code jobs/bench featurize --products N}: Spark's featurization throughput against the same
 * cleaning and hashing in a plain single-threaded Java loop over the same generated products.
 * Both are warmed up first; the loop's products are generated outside the timed region.
 */
public final class FeaturizeBench implements Job {
  @Override
  public String name() {
    return "bench-featurize";
  }

  @Override
  public String description() {
    return "featurize throughput: Spark vs a single-threaded loop (ratio goal >= 1.3 on 2 cores)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("products", "N", "number of generated products", "1000000"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/featurize"));
  }

  @Override
  public JobResult run(JobContext context) {
    long n = BenchSupport.longOption(context, "products", 1_000_000);
    Path work = BenchSupport.workDir(context, "featurize");
    int maxChars = Settings.intIn(context.config(), "featurize.max-field-chars", 1, Integer.MAX_VALUE);
    int numFeatures = Settings.intIn(context.config(), "featurize.num-features", 2, 1 << 30);
    SparkSession spark = context.spark();
    ProductGenerator gen = new ProductGenerator(Taxonomy.builtin(), 42, 0.0);
    String input = work.resolve("products").toString();
    int partitions = Math.max(spark.sparkContext().defaultParallelism(), (int) (n / 100_000));
    context.stage("generate " + n + " products");
    SampleTables.products(spark, gen, n, partitions).write().parquet(input);

    ProductTokenizer tok = new ProductTokenizer().setMaxFieldChars(maxChars);
    FarmHashingTF tf = new FarmHashingTF().setNumFeatures(numFeatures);
    // Warm-up of both paths on a small slice, so neither pays the JIT alone.
    sparkPass(spark, tok, tf, input, Math.min(n, 50_000));
    loopPass(gen, Math.min(n, 50_000), maxChars, numFeatures);

    context.stage("spark featurize");
    long t0 = System.nanoTime();
    sparkPass(spark, tok, tf, input, n);
    double sparkS = seconds(t0);
    double loopS = loopPass(gen, n, maxChars, numFeatures);

    context.stage("featurize job (read, quarantine checks, Delta write)");
    long t1 = System.nanoTime();
    JobResult job = new FeaturizeJob().run(new JobContext("featurize",
        Settings.load(null, null, java.util.Map.of("featurize.input", input,
            "warehouse.root", work.resolve("warehouse").toString())),
        context.runDate(), true, java.util.Map.of(), java.util.Set.of()));
    double jobS = seconds(t1);

    double sparkRate = n / sparkS;
    double loopRate = n / loopS;
    String line = "BENCH featurize products=" + n
        + " spark_products_per_s=" + fmt(sparkRate)
        + " single_thread_loop_products_per_s=" + fmt(loopRate)
        + " ratio=" + fmt(sparkRate / loopRate)
        + " cores=" + spark.sparkContext().defaultParallelism()
        + " job_products_per_s=" + fmt(n / jobS)
        + " job_rows_written=" + job.rowsWritten().get(FeaturizeJob.OUTPUT);
    System.out.println(line);
    return JobResult.builder(name()).metric("ratio", fmt(sparkRate / loopRate)).build();
  }

  /**
   * Reads the Parquet products, cleans, tokenizes and hashes them, keeping the columns the job
   * writes ({@code product_id}, {@code tokens}, {@code features}); the noop sink forces every row.
   */
  private static void sparkPass(SparkSession spark, ProductTokenizer tok, FarmHashingTF tf, String input, long limit) {
    Dataset<Row> products = spark.read().parquet(input);
    // A filter, not limit(): limit would pull every row through one partition.
    products = products.where(org.apache.spark.sql.functions.col("product_id")
        .lt(String.format(java.util.Locale.ROOT, "p%09d", limit)));
    new ProductFeaturizer(tok, tf).transform(products)
        .select(ProductText.PRODUCT_ID, tok.getOutputCol(), tf.getOutputCol())
        .write().format("noop").mode("overwrite").save();
  }

  /** Seconds spent cleaning and hashing n products on this thread (generation excluded). */
  private static double loopPass(ProductGenerator gen, long n, int maxChars, int numFeatures) {
    final int batch = 20_000;
    List<String>[] fields = new List[batch];
    long timed = 0;
    long checksum = 0;
    for (long start = 0; start < n; start += batch) {
      int m = (int) Math.min(batch, n - start);
      for (int k = 0; k < m; k++) {
        ProductGenerator.Product p = gen.generate(start + k);
        fields[k] = Arrays.asList(p.title(), p.description(), p.collection(), p.tags(), p.vendor(), p.productType());
      }
      long t = System.nanoTime();
      for (int k = 0; k < m; k++) {
        List<String> tokens = ProductText.tokens(TextCleaner.DEFAULT, fields[k], maxChars);
        checksum += FarmHashingTF.vector(tokens, numFeatures, false).numActives();
      }
      timed += System.nanoTime() - t;
    }
    if (checksum == 42) {
      System.out.print("");
    }
    return timed / 1e9;
  }
}

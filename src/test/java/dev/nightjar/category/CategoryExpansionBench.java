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
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code jobs/bench category-expansion}: the default sibling expansion against the full
 * expansion (every class for every product), on generated products over the built-in 122-class
 * taxonomy: hF, training time and expanded rows per epoch.
 */
public final class CategoryExpansionBench implements Job {
  @Override
  public String name() {
    return "bench-category-expansion";
  }

  @Override
  public String description() {
    return "sibling vs full Kesler expansion on a small taxonomy (hF, train time)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(OptionSpec.value("products", "N", "generated products", "20000"),
        OptionSpec.value("epochs", "N", "epochs for both", "10"));
  }

  @Override
  public JobResult run(JobContext context) {
    var spark = context.spark();
    long n = BenchSupport.longOption(context, "products", 20_000);
    int epochs = (int) BenchSupport.longOption(context, "epochs", 10);
    Taxonomy taxonomy = Taxonomy.builtin();
    CategoryData.Text text = CategoryData.Text.from(context.config());
    Dataset<Row> products = SampleTables.products(spark, new ProductGenerator(taxonomy, 7, 0.0), n, 4);
    Dataset<Row> all = CategoryData.tokenize(products, "generated", text)
        .withColumn("test_fold", TrainCategoryJob.holdout(0.2).apply(org.apache.spark.sql.functions.col("title")))
        .select("tokens", "category", "test_fold").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> train = all.where("not test_fold");
    Dataset<Row> test = all.where("test_fold");
    TrainCategoryJob.Options o = TrainCategoryJob.Options.from(context.config());
    for (String mode : List.of(KeslerClassifier.EXPANSION_SIBLINGS, KeslerClassifier.EXPANSION_FULL)) {
      long t0 = System.nanoTime();
      KeslerModel m = o.classifier(taxonomy).setExpansion(mode).setEpochs(epochs).fit(train);
      double s = seconds(t0);
      HierarchicalMetrics.Report r = CategoryBench.evaluate(m.setMinConfidence(0), test);
      long rows = rowsPerEpoch(train, taxonomy, mode);
      System.out.printf(Locale.ROOT, "BENCH category-expansion mode=%s classes=%d hF=%.4f exact=%.4f train_s=%.1f rows_per_epoch=%d%n",
          mode, taxonomy.size(), r.overall().hF(), r.overall().exactAccuracy(), s, rows);
    }
    all.unpersist();
    return JobResult.builder(name()).build();
  }

  private static long rowsPerEpoch(Dataset<Row> train, Taxonomy t, String mode) {
    KeslerExpansion.Mode m = mode.equals(KeslerClassifier.EXPANSION_FULL) ? KeslerExpansion.Mode.FULL : KeslerExpansion.Mode.SIBLINGS;
    long total = 0;
    for (Row r : train.groupBy("category").count().collectAsList()) {
      total += r.getLong(1) * KeslerExpansion.expand(t, t.byPath(r.getString(0)).index(), m, 0, null).size();
    }
    return total;
  }
}

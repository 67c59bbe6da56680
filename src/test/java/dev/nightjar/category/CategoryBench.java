package dev.nightjar.category;

import static dev.nightjar.testing.BenchSupport.seconds;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import dev.nightjar.testing.Flipkart;
import dev.nightjar.text.FarmHashingTF;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code jobs/bench category}: on the Flipkart split (test fold: md5(normalised title) % 5 == 0),
 * the Kesler model against Spark MLlib's multinomial logistic regression on the same cleaned
 * terms, then the confidence stop's effect on hP/hR and class rebalancing's effect on macro hF.
 */
public final class CategoryBench implements Job {
  @Override
  public String name() {
    return "bench-category";
  }

  @Override
  public String description() {
    return "Kesler vs MLlib multinomial LR on the Flipkart split (hF, train time, speedup)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("mllib-features", "N", "hashed feature size for MLlib's MLR (386 x N doubles)", "65536"),
        OptionSpec.flag("skip-mllib", "skip the MLlib baseline"),
        OptionSpec.flag("skip-variants", "skip the confidence-stop and rebalancing runs"));
  }

  @Override
  public JobResult run(JobContext context) {
    if (!Flipkart.available()) {
      throw new JobFailedException("bench category needs " + Flipkart.products());
    }
    var spark = context.spark();
    int mllibFeatures = (int) BenchSupport.longOption(context, "mllib-features", 1 << 16);
    CategoryData.Text text = CategoryData.Text.from(context.config());
    Dataset<Row> all = CategoryData.tokenize(Flipkart.withFold(spark), "flipkart", text)
        .select("product_id", "category", "tokens", "test_fold").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> train = all.where("not test_fold");
    Dataset<Row> test = all.where("test_fold");
    Taxonomy taxonomy = Taxonomy.fromPaths(train.select("category").distinct().as(Encoders.STRING()).collectAsList());
    TrainCategoryJob.Options o = TrainCategoryJob.Options.from(context.config());
    System.out.printf(Locale.ROOT, "bench category: %d train, %d test products, %d classes%n", train.count(), test.count(), taxonomy.size());

    context.stage("train Kesler");
    long t0 = System.nanoTime();
    KeslerModel model = o.classifier(taxonomy).fit(train);
    double trainS = seconds(t0);
    double minConf = dev.nightjar.common.Settings.doubleIn(context.config(), PredictCategoryJob.MIN_CONFIDENCE, 0, 1);
    HierarchicalMetrics.Report ours = evaluate(model.setMinConfidence(minConf), test);

    double mllibS = 0;
    double mllibHF = 0;
    String line = String.format(Locale.ROOT, "BENCH category hF=%.4f exact=%.4f macro_hF=%.4f train_s=%.1f min_confidence=%s",
        ours.overall().hF(), ours.overall().exactAccuracy(), ours.macroHF(), trainS, minConf);
    if (!context.flag("skip-mllib")) {
      context.stage("train MLlib multinomial logistic regression");
      FarmHashingTF tf = new FarmHashingTF().setInputCol("tokens").setOutputCol("features").setNumFeatures(mllibFeatures);
      StringIndexerModel labels = new StringIndexer().setInputCol("category").setOutputCol("label").setHandleInvalid("keep").fit(train);
      Dataset<Row> mtrain = labels.transform(tf.transform(train)).persist(StorageLevel.MEMORY_AND_DISK());
      mtrain.count();
      long t1 = System.nanoTime();
      LogisticRegressionModel mlr = new LogisticRegression().setFamily("multinomial").setMaxIter(100).setRegParam(0.0).fit(mtrain);
      mllibS = seconds(t1);
      Dataset<Row> mpred = new IndexToString().setInputCol("prediction").setOutputCol("predicted").setLabels(labels.labelsArray()[0])
          .transform(mlr.transform(tf.transform(test)));
      HierarchicalMetrics.Report base = HierarchicalMetrics.evaluate(mpred, "predicted", "category");
      mllibHF = base.overall().hF();
      mtrain.unpersist();
      line += String.format(Locale.ROOT, " mllib_mlr_train_s=%.1f mllib_mlr_hF=%.4f mllib_mlr_exact=%.4f mllib_mlr_features=%d speedup=%.1f",
          mllibS, base.overall().hF(), base.overall().exactAccuracy(), mllibFeatures, mllibS / trainS);
    }
    System.out.println(line);
    if (mllibS > 0) {
      // The same recipe with a bigger budget: 2^24 features, 30 epochs.
      context.stage("train Kesler (2^24 features, 30 epochs)");
      long t3 = System.nanoTime();
      KeslerModel fast = o.classifier(taxonomy).setNumFeatures(1 << 24).setEpochs(30).fit(train);
      double fastS = seconds(t3);
      HierarchicalMetrics.Report f = evaluate(fast.setMinConfidence(minConf), test);
      System.out.printf(Locale.ROOT, "BENCH category-large hF=%.4f exact=%.4f train_s=%.1f num_features=%d epochs=30 mllib_mlr_train_s=%.1f mllib_mlr_hF=%.4f speedup=%.1f%n",
          f.overall().hF(), f.overall().exactAccuracy(), fastS, 1 << 24, mllibS, mllibHF, mllibS / fastS);
    }

    if (!context.flag("skip-variants")) {
      for (double mc : new double[] {0.0, 0.2, 0.3, 0.5}) {
        HierarchicalMetrics.Report r = evaluate(model.setMinConfidence(mc), test);
        System.out.printf(Locale.ROOT, "BENCH category-confidence min_confidence=%.1f hP=%.4f hR=%.4f hF=%.4f exact=%.4f%n",
            mc, r.overall().hP(), r.overall().hR(), r.overall().hF(), r.overall().exactAccuracy());
      }
      for (String mode : List.of(KeslerClassifier.REBALANCE_INVERSE, KeslerClassifier.REBALANCE_UNDERSAMPLE)) {
        context.stage("train Kesler with rebalance=" + mode);
        long t2 = System.nanoTime();
        KeslerModel m = o.classifier(taxonomy).setRebalance(mode).fit(train);
        double s = seconds(t2);
        HierarchicalMetrics.Report r = evaluate(m.setMinConfidence(minConf), test);
        System.out.printf(Locale.ROOT, "BENCH category-rebalance mode=%s macro_hF=%.4f hF=%.4f train_s=%.1f (none: macro_hF=%.4f hF=%.4f)%n",
            mode, r.macroHF(), r.overall().hF(), s, ours.macroHF(), ours.overall().hF());
      }
    }
    all.unpersist();
    return JobResult.builder(name()).metric("hF", ours.overall().hF()).build();
  }

  static HierarchicalMetrics.Report evaluate(KeslerModel model, Dataset<Row> labelled) {
    return HierarchicalMetrics.evaluate(model.setPredictionCol("predicted").transform(labelled), "predicted", "category");
  }
}

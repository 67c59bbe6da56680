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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code jobs/bench category}: on the Flipkart split (test fold: md5(normalised title) % 5 == 0,
 * or {@code --split vendor}: md5(vendor) % 5 == 0, so test vendors are unseen), the Kesler model
 * with the default settings against the anchors in the same run: fastText and a flat hashed
 * logistic regression (scikit-learn) on the same text, MLlib's multinomial logistic regression on
 * the same cleaned terms. Then greedy vs beam inference (with and without the confidence stop)
 * for the pointwise and the sibling-softmax objectives, and class rebalancing's effect on macro hF.
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
        OptionSpec.value("split", "random|vendor", "test fold by title (the documented split) or by vendor", "random"),
        OptionSpec.value("fold", "K", "test fold 0-4 of the split's rule (0 is the documented fold; 1-4 cross-validate)", "0"),
        OptionSpec.value("beam-widths", "K,K", "beam widths compared for each objective", "1,2,3,5"),
        OptionSpec.value("min-confidences", "P,P", "confidence stops compared (the configured one is added)", "0"),
        OptionSpec.value("mllib-features", "N", "hashed feature size for MLlib's MLR (386 x N doubles)", "65536"),
        OptionSpec.value("variants", "K=V,K=V;...", "training settings (keys under category.train.) tried besides the defaults, ';' between variants", ""),
        OptionSpec.flag("collisions", "count the (class, term) pairs of the training expansion that share a hashed bucket"),
        OptionSpec.flag("skip-anchors", "skip fastText and the scikit-learn flat logistic regression"),
        OptionSpec.flag("skip-objectives", "skip training the non-default objective"),
        OptionSpec.flag("skip-mllib", "skip the MLlib baseline"),
        OptionSpec.flag("large", "also train 2^24 features for 30 epochs"),
        OptionSpec.flag("skip-variants", "skip the confidence-stop and rebalancing runs"));
  }

  @Override
  public JobResult run(JobContext context) {
    if (!Flipkart.available()) {
      throw new JobFailedException("bench category needs " + Flipkart.products());
    }
    var spark = context.spark();
    String split = context.option("split").orElse("random");
    if (!split.equals("random") && !split.equals("vendor")) {
      throw new dev.nightjar.common.UsageException("--split: expected random or vendor, found " + split);
    }
    int mllibFeatures = (int) BenchSupport.longOption(context, "mllib-features", 1 << 16);
    List<Integer> widths = new ArrayList<>();
    for (String w : context.option("beam-widths").orElse("1,2,3,5").split(",")) {
      widths.add(Integer.parseInt(w.trim()));
    }
    CategoryData.Text text = CategoryData.Text.from(context.config());
    double configuredStop = dev.nightjar.common.Settings.doubleIn(context.config(), PredictCategoryJob.MIN_CONFIDENCE, 0, 1);
    java.util.TreeSet<Double> stops = new java.util.TreeSet<>(List.of(configuredStop));
    for (String m : context.option("min-confidences").orElse("0").split(",")) {
      stops.add(Double.parseDouble(m.trim()));
    }
    String foldOption = context.option("fold").orElse("0");
    if (!foldOption.matches("[0-4]")) {
      throw new dev.nightjar.common.UsageException("Cannot set --fold to " + foldOption + ": expected 0, 1, 2, 3 or 4");
    }
    int fold = Integer.parseInt(foldOption);
    Dataset<Row> raw = split.equals("vendor") ? Flipkart.withVendorFold(spark, fold) : Flipkart.withFold(spark, fold);
    if (fold != 0) {
      split = split + fold;
    }
    Dataset<Row> all = CategoryData.tokenize(raw, "flipkart", text)
        .select("product_id", "category", "tokens", "test_fold").persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> train = all.where("not test_fold");
    Dataset<Row> test = all.where("test_fold");
    Taxonomy taxonomy = Taxonomy.fromPaths(train.select("category").distinct().as(Encoders.STRING()).collectAsList());
    TrainCategoryJob.Options o = TrainCategoryJob.Options.from(context.config());
    double minConf = dev.nightjar.common.Settings.doubleIn(context.config(), PredictCategoryJob.MIN_CONFIDENCE, 0, 1);
    int beam = dev.nightjar.common.Settings.intIn(context.config(), PredictCategoryJob.BEAM_WIDTH, 1, 64);
    System.out.printf(Locale.ROOT, "bench category: split=%s %d train, %d test products, %d classes; defaults objective=%s beam_width=%d min_confidence=%s%n",
        split, train.count(), test.count(), taxonomy.size(), o.objective(), beam, minConf);

    if (context.flag("collisions")) {
      context.stage("count hash collisions");
      System.out.println(collisions(train, taxonomy, o.numFeatures(), split));
    }

    context.stage("train Kesler (defaults)");
    long t0 = System.nanoTime();
    KeslerModel model = o.classifier(taxonomy).fit(train);
    double trainS = seconds(t0);
    HierarchicalMetrics.Report ours = evaluate(model.setMinConfidence(minConf).setBeamWidth(beam), test);
    System.out.println(anchorLine("nightjar", split, ours, trainS) + String.format(Locale.ROOT,
        " macro_hF=%.4f objective=%s beam_width=%d min_confidence=%s", ours.macroHF(), o.objective(), beam, minConf));

    // Greedy vs beam and the confidence stop, for the default objective and (unless skipped) the other one.
    Map<String, KeslerModel> byObjective = new LinkedHashMap<>();
    Map<String, Double> seconds = new LinkedHashMap<>();
    byObjective.put(o.objective(), model);
    seconds.put(o.objective(), trainS);
    if (!context.flag("skip-objectives")) {
      String other = o.objective().equals(KeslerClassifier.OBJECTIVE_POINTWISE)
          ? KeslerClassifier.OBJECTIVE_SOFTMAX : KeslerClassifier.OBJECTIVE_POINTWISE;
      context.stage("train Kesler (objective " + other + ")");
      long t1 = System.nanoTime();
      byObjective.put(other, o.classifier(taxonomy).setObjective(other).fit(train));
      seconds.put(other, seconds(t1));
    }
    for (var e : byObjective.entrySet()) {
      for (double mc : stops) {
        for (int k : widths) {
          HierarchicalMetrics.Report r = evaluate(e.getValue().setMinConfidence(mc).setBeamWidth(k), test);
          System.out.println(String.format(Locale.ROOT, "BENCH category-inference split=%s objective=%s beam_width=%d min_confidence=%s",
              split, e.getKey(), k, mc) + metrics(r) + String.format(Locale.ROOT, " train_s=%.1f", seconds.get(e.getKey())));
        }
      }
    }

    for (String variant : context.option("variants").orElse("").split(";")) {
      if (variant.isBlank()) {
        continue;
      }
      com.typesafe.config.Config c = com.typesafe.config.ConfigFactory.parseString(
          String.join("\n", java.util.Arrays.stream(variant.split(",")).map(kv -> "category.train." + kv.trim()).toList()))
          .withFallback(context.config());
      context.stage("train Kesler variant " + variant);
      long tv = System.nanoTime();
      KeslerModel m = TrainCategoryJob.Options.from(c).classifier(taxonomy).fit(train);
      double sv = seconds(tv);
      for (double mc : stops) {
        for (int k : widths) {
          HierarchicalMetrics.Report r = evaluate(m.setMinConfidence(mc).setBeamWidth(k), test);
          System.out.println(String.format(Locale.ROOT, "BENCH category-variant split=%s %s beam_width=%d min_confidence=%s",
              split, variant.replace(' ', '_'), k, mc) + metrics(r) + String.format(Locale.ROOT, " train_s=%.1f", sv));
        }
      }
    }

    if (!context.flag("skip-anchors")) {
      List<CategoryAnchors.Item> trainItems = items(raw.where("not test_fold"), text);
      List<CategoryAnchors.Item> testItems = items(raw.where("test_fold"), text);
      java.nio.file.Path work = BenchSupport.workDir(context, "category-anchors");
      anchor(context, split, testItems, "fasttext", CategoryAnchors.fastTextAvailable(),
          "no " + CategoryAnchors.FASTTEXT + " (apt-get install fasttext)", "-epoch 25 -lr 0.5 -wordNgrams 2",
          () -> CategoryAnchors.fastText(trainItems, testItems, work));
      anchor(context, split, testItems, "sklearn-flat-lr", CategoryAnchors.sklearnAvailable(),
          "no scikit-learn for " + CategoryAnchors.PYTHON + " (apt-get install python3-sklearn)",
          "HashingVectorizer(2^18) LogisticRegression(saga)",
          () -> CategoryAnchors.flatLogisticRegression(trainItems, testItems, work));
    }

    double mllibS = 0;
    double mllibHF = 0;
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
      System.out.println(anchorLine("mllib-mlr", split, base, mllibS)
          + String.format(Locale.ROOT, " features=%d speedup=%.1f", mllibFeatures, mllibS / trainS));
    }
    if (context.flag("large")) {
      // The same recipe with a bigger budget: 2^24 features, 30 epochs.
      context.stage("train Kesler (2^24 features, 30 epochs)");
      long t3 = System.nanoTime();
      KeslerModel fast = o.classifier(taxonomy).setNumFeatures(1 << 24).setEpochs(30).fit(train);
      double fastS = seconds(t3);
      HierarchicalMetrics.Report f = evaluate(fast.setMinConfidence(minConf).setBeamWidth(beam), test);
      System.out.printf(Locale.ROOT, "BENCH category-large hF=%.4f exact=%.4f train_s=%.1f num_features=%d epochs=30 mllib_mlr_train_s=%.1f mllib_mlr_hF=%.4f%n",
          f.overall().hF(), f.overall().exactAccuracy(), fastS, 1 << 24, mllibS, mllibHF);
    }

    if (!context.flag("skip-variants")) {
      for (String mode : List.of(KeslerClassifier.REBALANCE_INVERSE, KeslerClassifier.REBALANCE_UNDERSAMPLE)) {
        context.stage("train Kesler with rebalance=" + mode);
        long t2 = System.nanoTime();
        KeslerModel m = o.classifier(taxonomy).setRebalance(mode).fit(train);
        double s = seconds(t2);
        HierarchicalMetrics.Report r = evaluate(m.setMinConfidence(minConf).setBeamWidth(beam), test);
        System.out.printf(Locale.ROOT, "BENCH category-rebalance mode=%s macro_hF=%.4f hF=%.4f train_s=%.1f (none: macro_hF=%.4f hF=%.4f)%n",
            mode, r.macroHF(), r.overall().hF(), s, ours.macroHF(), ours.overall().hF());
      }
    }
    all.unpersist();
    return JobResult.builder(name()).metric("hF", ours.overall().hF()).metric("exact", ours.overall().exactAccuracy()).build();
  }

  /**
   * The distinct (class, term) pairs the siblings expansion of {@code train} creates (stop
   * classes and biases included) against the distinct buckets they fall into: {@code
   * shared_share} = 1 - buckets / pairs, the share of pairs that lost a weight of their own.
   */
  static String collisions(Dataset<Row> train, Taxonomy taxonomy, int numFeatures, String split) {
    var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(train.sparkSession().sparkContext());
    var tax = jsc.broadcast(taxonomy);
    var layouts = jsc.broadcast(new KeslerFeatures.Layout(taxonomy, numFeatures));
    // A pair is (class index, term), kept with the bucket it falls into.
    org.apache.spark.api.java.JavaRDD<scala.Tuple2<String, Integer>> pairs = train.select("tokens", "category").javaRDD().flatMap(r -> {
      Taxonomy t = tax.value();
      List<String> terms = KeslerFeatures.terms(r.getList(0));
      KeslerFeatures.Encoded enc = new KeslerFeatures.Encoded(terms);
      KeslerFeatures.Layout layout = layouts.value();
      int[] idx = new int[terms.size() + 1];
      List<scala.Tuple2<String, Integer>> out = new ArrayList<>();
      KeslerExpansion.forEach(t, t.byPath(r.getString(1)).index(), KeslerExpansion.Mode.SIBLINGS, 0, null, (c, label) -> {
        enc.indices(layout, c, idx);
        for (int i = 0; i <= terms.size(); i++) {
          out.add(new scala.Tuple2<>(c + "|" + (i < terms.size() ? terms.get(i) : KeslerFeatures.BIAS), idx[i]));
        }
      });
      return out.iterator();
    }).distinct().cache();
    long n = pairs.count();
    long buckets = pairs.map(scala.Tuple2::_2).distinct().count();
    return String.format(Locale.ROOT, "BENCH category-collisions split=%s classes=%d num_features=%d pairs=%d buckets=%d shared_share=%.4f load=%.3f",
        split, taxonomy.size(), numFeatures, n, buckets, 1 - (double) buckets / n, (double) n / numFeatures);
  }

  private interface AnchorRun {
    CategoryAnchors.Result run() throws java.io.IOException;
  }

  /** Runs one outside anchor and prints its line, or says why it is skipped. */
  private static void anchor(JobContext context, String split, List<CategoryAnchors.Item> test, String name,
      boolean available, String missing, String args, AnchorRun run) {
    if (!available) {
      System.out.println("bench category: " + missing + "; anchor " + name + " skipped");
      return;
    }
    context.stage("train anchor " + name);
    try {
      CategoryAnchors.Result r = run.run();
      System.out.println(anchorLine(name, split, anchorReport(context.spark(), r, test), r.trainSeconds())
          + " args=\"" + args + "\"");
    } catch (java.io.IOException e) {
      throw new JobFailedException("bench category anchor " + name + ": " + e.getMessage(), e);
    }
  }

  /** One anchor's line: hF, exact, accuracy per level, train seconds. */
  static String anchorLine(String name, String split, HierarchicalMetrics.Report r, double trainS) {
    return String.format(Locale.ROOT, "BENCH category-anchor name=%s split=%s", name, split) + metrics(r)
        + String.format(Locale.ROOT, " train_s=%.1f", trainS);
  }

  static String metrics(HierarchicalMetrics.Report r) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, " hF=%.4f exact=%.4f", r.overall().hF(), r.overall().exactAccuracy()));
    for (int k = 0; k < r.levelAccuracy().length; k++) {
      b.append(String.format(Locale.ROOT, " level%d=%.4f", k + 1, r.levelAccuracy()[k]));
    }
    return b.toString();
  }

  private static List<CategoryAnchors.Item> items(Dataset<Row> products, CategoryData.Text text) {
    List<CategoryAnchors.Item> out = new ArrayList<>();
    for (Row r : products.select("product_id", "title", "vendor", "description", "category").orderBy("product_id").collectAsList()) {
      out.add(new CategoryAnchors.Item(r.getString(0),
          CategoryAnchors.text(r.getString(1), r.getString(2), r.getString(3), text.featurization().descriptionChars()), r.getString(4)));
    }
    return out;
  }

  private static HierarchicalMetrics.Report anchorReport(org.apache.spark.sql.SparkSession spark, CategoryAnchors.Result r,
      List<CategoryAnchors.Item> test) {
    List<Row> rows = new ArrayList<>();
    for (CategoryAnchors.Item i : test) {
      rows.add(RowFactory.create(r.predicted().get(i.productId()), i.category()));
    }
    StructType schema = new StructType().add("predicted", DataTypes.StringType).add("category", DataTypes.StringType);
    return HierarchicalMetrics.evaluate(spark.createDataFrame(rows, schema), "predicted", "category");
  }

  static HierarchicalMetrics.Report evaluate(KeslerModel model, Dataset<Row> labelled) {
    return HierarchicalMetrics.evaluate(model.setPredictionCol("predicted").transform(labelled), "predicted", "category");
  }
}

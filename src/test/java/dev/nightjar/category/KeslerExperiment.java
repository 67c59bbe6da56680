package dev.nightjar.category;

import dev.nightjar.testing.Flipkart;
import dev.nightjar.testing.SharedSpark;
import dev.nightjar.taxonomy.Taxonomy;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Scratch harness: java ... KeslerExperiment epochs lr l2 descChars numFeatures. */
public final class KeslerExperiment {
  public static void main(String[] a) {
    var spark = SharedSpark.get();
    Dataset<Row> all = CategoryText.tokenize(Flipkart.withFold(spark), "flipkart", Integer.parseInt(a[3]), 102400).cache();
    Taxonomy tax = Taxonomy.fromPaths(all.select("category").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    Dataset<Row> train = all.where("not test_fold"), test = all.where("test_fold");
    long t0 = System.nanoTime();
    KeslerModel m = new KeslerClassifier().setTaxonomy(tax).setEpochs(Integer.parseInt(a[0]))
        .setLearningRate(Double.parseDouble(a[1])).setRegParam(Double.parseDouble(a[2]))
        .setNumFeatures(1 << Integer.parseInt(a[4])).setSampledNegatives(a.length > 5 ? Integer.parseInt(a[5]) : 0).setNumPartitions(a.length > 6 ? Integer.parseInt(a[6]) : 0).fit(train);
    double s = (System.nanoTime() - t0) / 1e9;
    for (String mc : System.getProperty("minconf", "0").split(",")) {
      var rr = HierarchicalMetrics.evaluate(m.setPredictionCol("pred").setMinConfidence(Double.parseDouble(mc)).transform(test), "pred", "category");
      System.out.printf("RESULT minconf=%s hP=%.4f hR=%.4f hF=%.4f exact=%.4f%n", mc, rr.overall().hP(), rr.overall().hR(), rr.overall().hF(), rr.overall().exactAccuracy());
    }
    m.setMinConfidence(0);
    var r = HierarchicalMetrics.evaluate(m.setPredictionCol("pred").transform(test), "pred", "category");
    if (System.getProperty("confusions") != null) {
      m.setPredictionCol("pred").transform(test)
          .selectExpr("split(category, ' > ')[0] as t", "split(pred, ' > ')[0] as p", "title")
          .where("t != p").groupBy("t", "p").count().orderBy(org.apache.spark.sql.functions.desc("count")).show(15, false);
      m.setPredictionCol("pred").transform(test).selectExpr("split(category, ' > ')[0] as t", "split(pred, ' > ')[0] as p", "title").where("t != p").show(20, false);
    }
    System.out.println("LEVELS " + java.util.Arrays.toString(r.levelAccuracy()));
    System.out.printf("RESULT epochs=%s lr=%s l2=%s desc=%s nf=2^%s hF=%.4f exact=%.4f macro=%.4f train_s=%.1f n=%d%n", a[0], a[1], a[2], a[3], a[4],
        r.overall().hF(), r.overall().exactAccuracy(), r.macroHF(), s, r.overall().products());
  }
}

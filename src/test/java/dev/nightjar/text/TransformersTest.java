package dev.nightjar.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransformersTest {
  private final SparkSession spark = SharedSpark.get();

  private Dataset<Row> products() {
    StructType schema = new StructType().add("title", DataTypes.StringType).add("vendor", DataTypes.StringType);
    return spark.createDataFrame(
        List.of(RowFactory.create("<b>Cotton</b> Shirt, the best", "Acme"), RowFactory.create(null, "")), schema);
  }

  @Test
  void tokenizesAndHashesLikeThePlainJavaLibrary() {
    ProductTokenizer tok = new ProductTokenizer().setInputCols("title", "vendor");
    FarmHashingTF tf = new FarmHashingTF().setNumFeatures(1000);
    List<Row> rows = tf.transform(tok.transform(products())).select("tokens", "features").collectAsList();
    assertEquals(List.of("cotton", "shirt", "best", "acm"), rows.get(0).getList(0));
    SparseVector v = (SparseVector) rows.get(0).get(1);
    assertEquals(FarmHashingTF.vector(List.of("cotton", "shirt", "best", "acm"), 1000, false), v);
    assertEquals(1000, v.size());
    assertEquals(List.of(), rows.get(1).getList(0));
  }

  @Test
  void fusedFeaturizerEqualsTheTwoStages() {
    ProductTokenizer tok = new ProductTokenizer().setInputCols("title", "vendor");
    FarmHashingTF tf = new FarmHashingTF().setNumFeatures(1000);
    Dataset<Row> fused = new ProductFeaturizer(tok, tf).transform(products());
    assertEquals(tf.transform(tok.transform(products())).collectAsList(), fused.drop("terms").collectAsList());
    // The classifier's terms come from the same call, and the column records their featurization.
    assertEquals(List.of("cotton", "shirt", "best", "acm", "t:cotton", "t:shirt", "t:best", "b:cotton_shirt", "b:shirt_best"),
        fused.select("terms").collectAsList().get(0).getList(0));
    assertEquals(Featurization.defaults().withSizes(tok.getMaxFieldChars(), 1000),
        ProductFeaturizer.featurization(fused.schema(), "fused"));
    assertEquals(4096L, new ProductFeaturizer(tok, new FarmHashingTF().setNumFeatures(4096)).transform(products())
        .schema().apply("features").metadata().getLong(FarmHashingTF.META_SIZE));
  }

  @Test
  void outputColumnRecordsSizeAndHash() {
    FarmHashingTF tf = new FarmHashingTF().setNumFeatures(4096);
    Dataset<Row> out = tf.transform(new ProductTokenizer().setInputCols("title").transform(products()));
    var meta = out.schema().apply("features").metadata();
    assertEquals(4096L, meta.getLong(FarmHashingTF.META_SIZE));
    assertEquals(FeatureHashing.HASH_NAME, meta.getString(FarmHashingTF.META_HASH));
  }

  @Test
  void schemaIsCheckedBeforeDataIsTouched() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> new ProductTokenizer().setInputCols("title", "nope").transform(products()));
    assertEquals("ProductTokenizer expected input column nope, found columns title, vendor", e.getMessage());
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> new FarmHashingTF().setInputCol("title").transform(products()));
    assertEquals("FarmHashingTF expected column title of type array<string>, found string", e2.getMessage());
    IllegalArgumentException e3 =
        assertThrows(IllegalArgumentException.class, () -> new FarmHashingTF().setNumFeatures(0));
    assertTrue(e3.getMessage().contains("numFeatures"), e3.getMessage());
  }

  @Test
  void saveAndLoadRoundTripGivesTheSameOutput(@TempDir Path dir) throws Exception {
    Pipeline p = new Pipeline().setStages(new PipelineStage[] {
        new ProductTokenizer().setInputCols("title", "vendor").setMaxFieldChars(50),
        new FarmHashingTF().setNumFeatures(2048).setBinary(true)});
    PipelineModel model = p.fit(products());
    model.write().overwrite().save(dir.resolve("m").toString());
    PipelineModel loaded = PipelineModel.load(dir.resolve("m").toString());
    assertEquals(model.transform(products()).collectAsList(), loaded.transform(products()).collectAsList());
    FarmHashingTF tf = (FarmHashingTF) loaded.stages()[1];
    assertEquals(2048, tf.getNumFeatures());
    assertTrue(tf.getBinary());
    assertEquals(50, ((ProductTokenizer) loaded.stages()[0]).getMaxFieldChars());
  }
}

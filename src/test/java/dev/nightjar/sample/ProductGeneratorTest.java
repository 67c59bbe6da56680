package dev.nightjar.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProductGeneratorTest {
  @Test
  void sameSeedSameProductsAndEveryLabelIsALeaf() {
    Taxonomy t = Taxonomy.builtin();
    ProductGenerator a = new ProductGenerator(t, 7, 0.0);
    ProductGenerator b = new ProductGenerator(t, 7, 0.0);
    ProductGenerator c = new ProductGenerator(t, 8, 0.0);
    assertEquals(a.generate(123), b.generate(123));
    assertNotEquals(a.generate(123), c.generate(123));
    for (int i = 0; i < 500; i++) {
      ProductGenerator.Product p = a.generate(i);
      assertTrue(t.isLeaf(t.byPath(p.category()).index()), p.category());
    }
  }

  @Test
  void textIsNoisyButUsable() {
    ProductGenerator g = new ProductGenerator(Taxonomy.builtin(), 1, 0.0);
    int html = 0, url = 0, emptyDescription = 0;
    for (int i = 0; i < 2000; i++) {
      ProductGenerator.Product p = g.generate(i);
      html += p.description().contains("<") ? 1 : 0;
      url += p.description().contains("https://") ? 1 : 0;
      emptyDescription += p.description().isEmpty() ? 1 : 0;
      assertTrue(!p.title().isBlank());
    }
    assertTrue(html > 300 && url > 100 && emptyDescription > 400, html + " " + url + " " + emptyDescription);
  }

  @Test
  void jobWritesTheSameRowsWhateverThePartitioning(@TempDir Path dir) {
    Map<String, String> sets = Map.of("sample.products", "300", "sample.seed", "5");
    LocalDate ds = LocalDate.of(2026, 1, 1);
    Jobs.runApi(new GenerateSampleJob(), dir.resolve("a"), ds, with(sets, "sample.partitions", "1"), Map.of());
    Jobs.runApi(new GenerateSampleJob(), dir.resolve("b"), ds, with(sets, "sample.partitions", "7"), Map.of());
    var spark = SharedSpark.get();
    List<Row> a = new Warehouse(spark, dir.resolve("a").toString()).read("products").orderBy("product_id", "title").collectAsList();
    List<Row> b = new Warehouse(spark, dir.resolve("b").toString()).read("products").orderBy("product_id", "title").collectAsList();
    assertEquals(300, a.size());
    assertEquals(a, b);
    assertEquals(122, new Warehouse(spark, dir.resolve("a").toString()).read("taxonomy").count());
  }

  private static Map<String, String> with(Map<String, String> m, String k, String v) {
    var copy = new java.util.HashMap<>(m);
    copy.put(k, v);
    return copy;
  }
}

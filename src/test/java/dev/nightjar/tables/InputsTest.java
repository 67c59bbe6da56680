package dev.nightjar.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.testing.SharedSpark;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputsTest {
  private final SparkSession spark = SharedSpark.get();
  private static final String JSONL = "{\"product_id\":\"a\",\"title\":\"Red mug\"}\n{\"product_id\":\"b\",\"title\":\"Blue cup\"}\n";

  private static List<String> ids(Dataset<Row> df) {
    return df.select("product_id").orderBy("product_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }

  @Test
  void readsEveryFormatByWhatThePathIs(@TempDir Path dir) throws Exception {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    Path jsonl = dir.resolve("p.jsonl");
    Files.writeString(jsonl, JSONL);
    assertEquals(List.of("a", "b"), ids(Inputs.read(w, jsonl.toString())));

    Path gz = dir.resolve("p.jsonl.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
      out.write(JSONL.getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(List.of("a", "b"), ids(Inputs.read(w, gz.toString())));

    Path csv = dir.resolve("p.csv");
    Files.writeString(csv, "product_id,title\na,\"Red, mug\"\nb,Blue cup\n");
    Dataset<Row> c = Inputs.read(w, csv.toString());
    assertEquals(List.of("a", "b"), ids(c));
    assertEquals("Red, mug", c.where("product_id = 'a'").first().getAs("title"));

    Dataset<Row> df = Inputs.read(w, jsonl.toString());
    String parquet = dir.resolve("pq").toString();
    df.write().parquet(parquet);
    assertEquals(List.of("a", "b"), ids(Inputs.read(w, parquet)));

    String delta = dir.resolve("delta").toString();
    df.write().format("delta").save(delta);
    assertEquals(List.of("a", "b"), ids(Inputs.read(w, delta)));

    w.replaceAll("products", df);
    assertEquals(List.of("a", "b"), ids(Inputs.read(w, "products")));
  }

  @Test
  void malformedJsonLinesAreKeptAsCorruptRecords(@TempDir Path dir) throws Exception {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    Path jsonl = dir.resolve("bad.jsonl");
    Files.writeString(jsonl, JSONL + "{not json\n");
    Dataset<Row> df = Inputs.read(w, jsonl.toString()).cache();
    assertEquals(3, df.count());
    assertEquals(1, df.where(Inputs.CORRUPT_RECORD + " is not null").count());
  }

  @Test
  void clearErrors(@TempDir Path dir) throws Exception {
    Warehouse w = new Warehouse(spark, dir.resolve("wh").toString());
    JobFailedException missing = assertThrows(JobFailedException.class, () -> Inputs.read(w, "nosuch"));
    assertTrue(missing.getMessage().contains("Input nosuch not found"), missing.getMessage());
    assertTrue(missing.getMessage().contains("no table nosuch in warehouse"), missing.getMessage());
    Path txt = dir.resolve("p.txt");
    Files.writeString(txt, "x");
    JobFailedException unsupported = assertThrows(JobFailedException.class, () -> Inputs.read(w, txt.toString()));
    assertTrue(unsupported.getMessage().startsWith("Cannot read input " + txt + ": expected a Delta table"),
        unsupported.getMessage());
  }
}

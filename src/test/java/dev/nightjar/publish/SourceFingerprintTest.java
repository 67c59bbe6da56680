package dev.nightjar.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SourceFingerprintTest {
  @TempDir Path tmp;

  /** A Spark ML-like save: stage directories with random uids, part files with UUIDs, save times. */
  private Path save(String name, String uid, String uuid, long timestamp, double trainSeconds, byte weight)
      throws IOException {
    Path d = tmp.resolve(name);
    Path meta = d.resolve("stages/1_logreg_" + uid + "/metadata");
    Files.createDirectories(meta);
    Files.writeString(meta.resolve("part-00000-" + uuid + "-c000.txt"),
        "{\"class\":\"LogisticRegressionModel\",\"timestamp\":" + timestamp + ",\"uid\":\"logreg_" + uid
            + "\",\"paramMap\":{\"regParam\":0.001}}\n");
    Files.writeString(meta.resolve("_SUCCESS"), "");
    Files.writeString(d.resolve("metadata.json"),
        "{\n  \"uid\" : \"kesler_" + uid + "\",\n  \"info\" : { \"trainSeconds\" : " + trainSeconds + ", \"epochs\" : 10 }\n}\n");
    Files.write(d.resolve("weights.bin"), new byte[] {1, 2, weight});
    Files.writeString(d.resolve(".weights.bin.crc"), uuid);
    return d;
  }

  private static String print(Path d) throws IOException {
    return SourceFingerprint.of(FileSystem.getLocal(new Configuration()), new org.apache.hadoop.fs.Path(d.toUri()));
  }

  @Test
  void aModelSavedAgainWithNewRandomIdsAndTimesHasTheSamePrint() throws IOException {
    String a = print(save("a", "c35617e9abcf", "0b6e2f64-1a0c-4d33-9a57-5d0c1b2e3f40", 1795501753187L, 0.58, (byte) 3));
    String b = print(save("b", "18352d0fd4a0", "7f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b", 1795509999999L, 12.5, (byte) 3));
    assertTrue(a.startsWith("sha256:") && a.length() == 7 + 64, a);
    assertEquals(a, b);
  }

  @Test
  void anyChangeOfContentChangesThePrint() throws IOException {
    String a = print(save("a", "c35617e9abcf", "0b6e2f64-1a0c-4d33-9a57-5d0c1b2e3f40", 1L, 0.5, (byte) 3));
    String weights = print(save("b", "c35617e9abcf", "0b6e2f64-1a0c-4d33-9a57-5d0c1b2e3f40", 1L, 0.5, (byte) 4));
    assertNotEquals(a, weights);
    Path c = save("c", "c35617e9abcf", "0b6e2f64-1a0c-4d33-9a57-5d0c1b2e3f40", 1L, 0.5, (byte) 3);
    Files.writeString(c.resolve("metadata.json"), Files.readString(c.resolve("metadata.json")).replace("10", "11"));
    assertNotEquals(a, print(c));
    Path d = save("d", "c35617e9abcf", "0b6e2f64-1a0c-4d33-9a57-5d0c1b2e3f40", 1L, 0.5, (byte) 3);
    Files.move(d.resolve("weights.bin"), d.resolve("weights2.bin"));
    assertNotEquals(a, print(d));
  }

  @Test
  void parquetFilesCountByTheirRecords() throws IOException {
    org.apache.spark.sql.SparkSession spark = dev.nightjar.testing.SharedSpark.get();
    String rows = "{\"intercept\":0.25,\"coefficients\":[1.5,-2.0]}";
    for (String name : List.of("p1", "p2")) {
      spark.read().json(spark.createDataset(List.of(rows), org.apache.spark.sql.Encoders.STRING()))
          .coalesce(1).write().parquet(tmp.resolve(name + "/data").toString());
    }
    spark.read().json(spark.createDataset(List.of(rows.replace("1.5", "1.5000000000000002")),
        org.apache.spark.sql.Encoders.STRING())).coalesce(1).write().parquet(tmp.resolve("p3/data").toString());
    assertEquals(print(tmp.resolve("p1")), print(tmp.resolve("p2")));
    assertNotEquals(print(tmp.resolve("p1")), print(tmp.resolve("p3")));
  }

  @Test
  void anEmptySourceIsAnError() throws IOException {
    Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(tmp.resolve("empty/_SUCCESS"), "");
    IOException e = assertThrows(IOException.class, () -> print(tmp.resolve("empty")));
    assertTrue(e.getMessage().startsWith("No files under "), e.getMessage());
  }
}

package dev.nightjar.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance check on the real Flipkart data (skipped when {@code ../shared/data} is
 * absent): the job's four entropies of all 452 queries against a plain-Java computation of the
 * definitions, written here from scratch (no code shared with the job).
 */
class FlipkartEntropyTest {
  private static final LocalDate DS = LocalDate.of(2026, 11, 21);
  private static final ObjectMapper JSON = new ObjectMapper();

  record Expected(long results, String top, double c1, double a1, double c2, double a2) {}

  @Test
  void matchesAnIndependentComputationOnFlipkart(@TempDir Path dir) throws Exception {
    File data = SharedSpark.sharedData();
    File log = new File(data, "flipkart-search-log.jsonl.gz");
    File products = new File(data, "flipkart-products.jsonl.gz");
    Assumptions.assumeTrue(log.isFile() && products.isFile(), "no ../shared/data: skipped");

    Map<String, Expected> expected = independent(log.toPath(), products.toPath());
    assertEquals(452, expected.size());

    JobResult r = Jobs.runApi(new EntropyJob(), dir.resolve("wh"), DS,
        Map.of("entropy.search-log", log.getPath(), "entropy.products", products.getPath()), Map.of());
    assertEquals(452L, r.rowsWritten().get(EntropyJob.OUTPUT));
    assertEquals(0L, r.rowsWritten().get("quarantine"));
    List<Row> rows = new Warehouse(SharedSpark.get(), dir.resolve("wh").toString())
        .read(EntropyJob.OUTPUT, DS).collectAsList();
    assertEquals(452, rows.size());
    double maxDiff = 0;
    for (Row row : rows) {
      Expected e = expected.get(row.<String>getAs("query"));
      assertTrue(e != null, "unexpected query " + row);
      assertEquals(e.results(), row.<Long>getAs("result_count"), row.toString());
      assertEquals(e.top(), row.<String>getAs("top_category").replaceAll("\\s+", " "), row.toString());
      double[] want = {e.c1(), e.a1(), e.c2(), e.a2()};
      String[] cols = {"entropy_count_l1", "entropy_affinity_l1", "entropy_count_l2", "entropy_affinity_l2"};
      for (int i = 0; i < 4; i++) {
        double got = row.<Double>getAs(cols[i]);
        assertEquals(want[i], got, 1e-9, cols[i] + " of " + row);
        maxDiff = Math.max(maxDiff, Math.abs(want[i] - got));
      }
    }
    System.out.println("flipkart entropy: 452 queries, max abs diff " + maxDiff);
  }

  /** The definitions, computed directly from the gzipped JSON lines. */
  static Map<String, Expected> independent(Path log, Path products) throws Exception {
    Map<String, String[]> pathOf = new HashMap<>();
    Map<String, Integer> t1 = new HashMap<>();
    Map<String, Integer> t2 = new HashMap<>();
    for (String line : lines(products)) {
      JsonNode n = JSON.readTree(line);
      String[] path = n.get("category").asText().split(" > ");
      pathOf.put(n.get("product_id").asText(), path);
    }
    for (String[] path : pathOf.values()) {
      t1.merge(path[0], 1, Integer::sum);
      if (path.length > 1) {
        t2.merge(path[0] + "\u0000" + path[1], 1, Integer::sum);
      }
    }
    Map<String, Set<String>> results = new TreeMap<>();
    for (String line : lines(log)) {
      JsonNode n = JSON.readTree(line);
      String q = n.get("query").asText().toLowerCase(java.util.Locale.ROOT).trim().replaceAll("\\s+", " ");
      results.computeIfAbsent(q, k -> new HashSet<>()).add(n.get("product_id").asText());
    }
    Map<String, Expected> out = new HashMap<>();
    for (Map.Entry<String, Set<String>> e : results.entrySet()) {
      Map<String, Integer> r1 = new TreeMap<>();
      for (String id : e.getValue()) {
        r1.merge(pathOf.get(id)[0], 1, Integer::sum);
      }
      String top = null;
      for (Map.Entry<String, Integer> c : r1.entrySet()) { // TreeMap: names ascending
        if (top == null || c.getValue() > r1.get(top)) {
          top = c.getKey();
        }
      }
      Map<String, Integer> r2 = new TreeMap<>();
      for (String id : e.getValue()) {
        String[] p = pathOf.get(id);
        if (p[0].equals(top) && p.length > 1) {
          r2.merge(p[0] + "\u0000" + p[1], 1, Integer::sum);
        }
      }
      out.put(e.getKey(), new Expected(e.getValue().size(), top.replaceAll("\\s+", " "),
          countEntropy(r1), affinityEntropy(r1, t1), countEntropy(r2), affinityEntropy(r2, t2)));
    }
    return out;
  }

  static double countEntropy(Map<String, Integer> r) {
    double n = r.values().stream().mapToInt(Integer::intValue).sum();
    double h = 0;
    for (int x : r.values()) {
      double p = x / n;
      h -= p * Math.log(p) / Math.log(2);
    }
    return h;
  }

  static double affinityEntropy(Map<String, Integer> r, Map<String, Integer> t) {
    double total = 0;
    for (Map.Entry<String, Integer> e : r.entrySet()) {
      total += (double) e.getValue() / t.get(e.getKey());
    }
    double h = 0;
    for (Map.Entry<String, Integer> e : r.entrySet()) {
      double p = (double) e.getValue() / t.get(e.getKey()) / total;
      h -= p * Math.log(p) / Math.log(2);
    }
    return h;
  }

  static List<String> lines(Path gz) throws Exception {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(gz)), StandardCharsets.UTF_8))) {
      return r.lines().filter(l -> !l.isBlank()).toList();
    }
  }
}

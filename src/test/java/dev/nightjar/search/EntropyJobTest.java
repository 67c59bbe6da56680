package dev.nightjar.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.Jobs;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hand-computed entropies on a tiny catalog. Catalog sizes: Clothing 16 (Shirts 8, Pants 8),
 * Home 8 (Kitchen 4, Decor 2, and 2 with no second level), Toys 2 (Games 2).
 */
class EntropyJobTest {
  private static final LocalDate DS = LocalDate.of(2026, 11, 20);
  private static final double EPS = 1e-12;
  private final SparkSession spark = SharedSpark.get();

  private static String products() {
    List<String> lines = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      lines.add(product("s" + i, "Clothing > Shirts"));
      lines.add(product("c" + i, "Clothing >  Pants"));
    }
    for (int i = 1; i <= 4; i++) {
      lines.add(product("k" + i, "Home > Kitchen"));
    }
    lines.add(product("d1", "Home > Decor"));
    lines.add(product("d2", " Home>Decor "));
    lines.add(product("h1", "Home"));
    lines.add(product("h2", "Home"));
    lines.add("{\"product_id\":\"g1\"}"); // also listed with a category: that listing wins
    lines.add(product("g1", "Toys > Games"));
    lines.add(product("g2", "Toys > Games"));
    // Listed twice: the path that sorts first wins, so s1 stays a shirt.
    lines.add(product("s1", "Toys > Games"));
    lines.add("{\"product_id\":\"x1\",\"category\":null}");
    lines.add(product("x2", ""));
    return String.join("\n", lines) + "\n";
  }

  private static String product(String id, String category) {
    return "{\"product_id\":\"" + id + "\",\"category\":\"" + category + "\"}";
  }

  private static String row(String query, String id, Integer searches) {
    return "{\"query\":\"" + query + "\",\"product_id\":\"" + id + "\""
        + (searches == null ? "" : ",\"searches\":" + searches) + "}";
  }

  /** 21 good rows over five queries (search volume 100 in all) and 9 bad rows. */
  private static String searchLog() {
    List<String> l = new ArrayList<>();
    // "toy": Toys 2 (all of Toys), Clothing 1, Home 1; four spellings, volume 10+5+10+1 = 26.
    l.add(row("Toy", "g1", 10));
    l.add(row("  toy ", "g2", 5));
    l.add(row("TOY", "s1", 10));
    l.add(row("toy", "k1", null));
    l.add(row("toy", "g1", null)); // a repeated result counts once
    // "kitchen decor": Home > Kitchen 2, Home > Decor 2, Home (no second level) 1; volume 30.
    for (String id : List.of("k1", "k2", "d1", "d2", "h1")) {
      l.add(row("kitchen  decor", id, 30));
    }
    // "red": Clothing 2, Home 2 (a tie); volume 20.
    for (String id : List.of("s2", "s3", "k3", "k4")) {
      l.add(row("red", id, 20));
    }
    // "gift": Toys 1, Home 1, Clothing 2 (a shirt and pants); volume 15.
    for (String id : List.of("g1", "d1", "s4", "c1")) {
      l.add(row("Gift", id, 15));
    }
    // "rare": three results, one per top-level category (fewer than min-results 4); volume 9.
    for (String id : List.of("s5", "k2", "g2")) {
      l.add(row("rare", id, 9));
    }
    // Bad rows.
    l.add(row("", "s1", 1));
    l.add(row("   ", "s1", 1));
    l.add("{\"product_id\":\"s1\",\"searches\":1}");
    l.add(row("gift", "nope", 1));
    l.add(row("gift", "x1", 1));
    l.add(row("red", "x2", 1));
    l.add("{\"query\":\"gift\",\"searches\":1}");
    l.add(row("gift", "s6", -3));
    l.add("{\"query\":\"gift");
    return String.join("\n", l) + "\n";
  }

  /** H(p) = −Σ p·log2(p). */
  private static double h(double... p) {
    double s = 0;
    for (double x : p) {
      s -= x * Math.log(x) / Math.log(2);
    }
    return s;
  }

  private record Paths(Path warehouse, Path log, Path products) {}

  private static Paths inputs(Path dir) throws Exception {
    Path log = dir.resolve("search.jsonl");
    Path prod = dir.resolve("products.jsonl");
    Files.writeString(log, searchLog());
    Files.writeString(prod, products());
    return new Paths(dir.resolve("wh"), log, prod);
  }

  private static Map<String, String> sets(Paths p, String mode) {
    Map<String, String> m = new HashMap<>();
    m.put("entropy.search-log", p.log().toString());
    m.put("entropy.products", p.products().toString());
    m.put("entropy.mode", mode);
    m.put("entropy.threshold.l1", "1.0");
    m.put("entropy.threshold.l2", "0.9");
    m.put("entropy.min-results", "4");
    m.put("entropy.max-categories", "2");
    m.put("entropy.max-quarantine-share", "0.5");
    return m;
  }

  private Map<String, Row> table(Path wh) {
    return new Warehouse(spark, wh.toString()).read(EntropyJob.OUTPUT, DS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("query"), r -> r));
  }

  private static void assertEntropies(Row r, long results, String top, double c1, double a1, double c2, double a2) {
    assertEquals(results, r.<Long>getAs("result_count"), r.toString());
    assertEquals(top, r.getAs("top_category"), r.toString());
    assertEquals(c1, r.<Double>getAs("entropy_count_l1"), EPS, r.toString());
    assertEquals(a1, r.<Double>getAs("entropy_affinity_l1"), EPS, r.toString());
    assertEquals(c2, r.<Double>getAs("entropy_count_l2"), EPS, r.toString());
    assertEquals(a2, r.<Double>getAs("entropy_affinity_l2"), EPS, r.toString());
  }

  /** broad_level and show_categories as "level: category share, ..." for compact asserts. */
  private static String decision(Row r) {
    List<Row> show = r.getList(r.fieldIndex("show_categories"));
    return r.getAs("broad_level") + ":" + show.stream()
        .map(s -> " " + s.getString(0) + " " + String.format(java.util.Locale.ROOT, "%.6f", s.getDouble(1)))
        .collect(Collectors.joining(","));
  }

  private static void assertAllEntropies(Map<String, Row> t) {
    assertEquals(List.of("gift", "kitchen decor", "rare", "red", "toy"), t.keySet().stream().sorted().toList());
    // Count entropy high (1.5 bits) but affinity entropy low: the query returns all of Toys.
    assertEntropies(t.get("toy"), 4, "Toys", h(0.5, 0.25, 0.25), h(16.0 / 19, 1.0 / 19, 2.0 / 19), 0, 0);
    assertTrue(t.get("toy").<Double>getAs("entropy_affinity_l1") < 0.82);
    // One top-level category; level 2 over Kitchen (2 of 4) and Decor (2 of 2); h1 has no level 2.
    assertEntropies(t.get("kitchen decor"), 5, "Home", 0, 0, 1, h(1.0 / 3, 2.0 / 3));
    // A tie for top_category: the name that sorts first.
    assertEntropies(t.get("red"), 4, "Clothing", 1, h(1.0 / 3, 2.0 / 3), 0, 0);
    assertEntropies(t.get("gift"), 4, "Clothing", 1.5, h(2.0 / 3, 1.0 / 6, 1.0 / 6), 1, 1);
    assertEntropies(t.get("rare"), 3, "Clothing", h(1.0 / 3, 1.0 / 3, 1.0 / 3), h(1.0 / 11, 2.0 / 11, 8.0 / 11), 0, 0);
  }

  /** The same checks through both entry points: the Java API and the spark-submit main. */
  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void computesEntropiesDecisionsAndQuarantine(String entry, @TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    if (entry.equals("api")) {
      JobResult r = Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of());
      assertEquals(5L, r.rowsWritten().get(EntropyJob.OUTPUT));
      assertEquals(9L, r.rowsWritten().get(Quarantine.TABLE));
      assertEquals(30L, r.metrics().get("input_rows"));
      assertEquals(3L, r.metrics().get(EntropyJob.EMPTY_QUERY));
      assertEquals(1L, r.metrics().get("broad_l1"));
      assertEquals(1L, r.metrics().get("broad_l2"));
    } else {
      List<String> args = new ArrayList<>(List.of("entropy", "--warehouse", p.warehouse().toString(),
          "--date", DS.toString(), "--search-log", p.log().toString(), "--products", p.products().toString()));
      sets(p, "affinity").forEach((k, v) -> {
        if (!k.equals("entropy.search-log") && !k.equals("entropy.products")) {
          args.add("--set");
          args.add(k + "=" + v);
        }
      });
      Jobs.Outcome o = Jobs.main(args.toArray(new String[0]));
      assertEquals(0, o.status(), o.err());
      assertTrue(o.out().contains("RESULT entropy rows.query_entropy=5 rows.quarantine=9"), o.out());
    }
    Map<String, Row> t = table(p.warehouse());
    assertAllEntropies(t);
    // Affinity mode, thresholds l1 1.0 and l2 0.9, min-results 4, at most 2 categories.
    assertEquals("1: Toys 0.666667, Clothing 0.166667", decision(t.get("gift"))); // tie: Clothing < Home
    assertEquals("2: Home > Decor 0.666667, Home > Kitchen 0.333333", decision(t.get("kitchen decor")));
    assertEquals("0:", decision(t.get("toy")));
    assertEquals("0:", decision(t.get("red")));
    assertEquals("0:", decision(t.get("rare"))); // entropy log2(3) but only 3 results
    assertEquals(List.of("broad_level", "show_categories"),
        List.of(t.get("gift").schema().fieldNames()).subList(7, 9));
    assertEquals(List.of("query", "result_count", "top_category", "entropy_count_l1", "entropy_affinity_l1",
            "entropy_count_l2", "entropy_affinity_l2", "broad_level", "show_categories", "ds"),
        List.of(new Warehouse(spark, p.warehouse().toString()).read(EntropyJob.OUTPUT).columns()));

    Warehouse w = new Warehouse(spark, p.warehouse().toString());
    List<String> reasons = w.read(Quarantine.TABLE, DS).where("job = 'entropy'")
        .select(Quarantine.REASON).as(org.apache.spark.sql.Encoders.STRING()).collectAsList()
        .stream().sorted().toList();
    assertEquals(List.of(EntropyJob.EMPTY_QUERY, EntropyJob.EMPTY_QUERY, EntropyJob.EMPTY_QUERY,
        EntropyJob.INVALID_SEARCHES, EntropyJob.MALFORMED, EntropyJob.MISSING_PRODUCT_ID,
        EntropyJob.NO_CATEGORY, EntropyJob.NO_CATEGORY, EntropyJob.UNKNOWN_PRODUCT), reasons);
    Row unknown = w.read(Quarantine.TABLE, DS).where("reason = 'unknown_product'").first();
    assertTrue(unknown.<String>getAs(Quarantine.RAW).contains("\"product_id\":\"nope\""), unknown.toString());

    // The lookup export: normalized lookups of raw queries.
    EntropyLookup lookup = EntropyLookup.load(p.warehouse().resolve("exports/query_entropy/ds=" + DS));
    assertEquals(5, lookup.size());
    EntropyLookup.Entry kd = lookup.lookup("  Kitchen \t DECOR ").orElseThrow();
    assertEquals(2, kd.broadLevel());
    assertEquals("Home", kd.topCategory());
    assertEquals("Home > Decor", kd.show().get(0).name());
    assertEquals(2.0 / 3, kd.show().get(0).share(), EPS);
    assertEquals(0, lookup.lookup("TOY").orElseThrow().broadLevel());
    assertTrue(lookup.lookup("toy").orElseThrow().show().isEmpty());
    assertTrue(lookup.lookup("unknown query").isEmpty());
  }

  @Test
  void countModeDecidesByCounts(@TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "count"), Map.of());
    Map<String, Row> t = table(p.warehouse());
    assertAllEntropies(t);
    // Level 1 when the count entropy reaches 1.0; ties in share ordered by name.
    assertEquals("1: Toys 0.500000, Clothing 0.250000", decision(t.get("toy")));
    assertEquals("1: Clothing 0.500000, Home 0.500000", decision(t.get("red")));
    assertEquals("1: Clothing 0.500000, Home 0.250000", decision(t.get("gift")));
    // Level 2: count entropy 1 over Decor and Kitchen (2 each), h1 has no level 2.
    assertEquals("2: Home > Decor 0.500000, Home > Kitchen 0.500000", decision(t.get("kitchen decor")));
    assertEquals("0:", decision(t.get("rare")));
  }

  @Test
  void calibratesTheLevelOneThresholdBySearchVolume(@TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    // Eligible queries by affinity entropy: gift 1.25 (15 of 100 searches), red 0.918 (20),
    // toy 0.813 (26), kitchen decor 0 (30); rare (9) has too few results.
    JobResult r = Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"),
        Map.of("calibrate-broad-share", "0.3"));
    assertEquals(h(1.0 / 3, 2.0 / 3), (Double) r.metrics().get("calibrated_threshold_l1"), EPS);
    assertEquals(0.35, (Double) r.metrics().get("calibrated_broad_share"), EPS);
    Map<String, Row> t = table(p.warehouse());
    assertEquals(1, t.get("red").<Integer>getAs("broad_level"));
    assertEquals(1, t.get("gift").<Integer>getAs("broad_level"));
    assertEquals(0, t.get("toy").<Integer>getAs("broad_level"));
    assertEquals(2, t.get("kitchen decor").<Integer>getAs("broad_level"));

    r = Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of("calibrate-broad-share", "0.1"));
    assertEquals(h(2.0 / 3, 1.0 / 6, 1.0 / 6), (Double) r.metrics().get("calibrated_threshold_l1"), EPS);
    assertEquals(0.15, (Double) r.metrics().get("calibrated_broad_share"), EPS);
    // More than the eligible volume (91%): every eligible query is broad at level 1.
    r = Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of("calibrate-broad-share", "1"));
    assertEquals(0.0, (Double) r.metrics().get("calibrated_threshold_l1"), EPS);
    assertEquals(0.91, (Double) r.metrics().get("calibrated_broad_share"), EPS);
    assertEquals(4L, r.metrics().get("broad_l1"));

    Jobs.Outcome o = Jobs.main("entropy", "--warehouse", p.warehouse().toString(), "--calibrate-broad-share", "0");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("Cannot set --calibrate-broad-share to 0: expected a share in (0, 1]"), o.err());
  }

  @Test
  void rerunningADateGivesTheSameRows(@TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    Warehouse w = new Warehouse(spark, p.warehouse().toString());
    Path export = p.warehouse().resolve("exports/query_entropy/ds=" + DS);
    Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of());
    List<Row> first = w.read(EntropyJob.OUTPUT).orderBy("query").collectAsList();
    List<Row> q1 = w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList();
    String e1 = exportText(export);
    Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of());
    assertEquals(first, w.read(EntropyJob.OUTPUT).orderBy("query").collectAsList());
    assertEquals(q1, w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList());
    assertEquals(e1, exportText(export));
    assertEquals(5, e1.lines().count());
  }

  private static String exportText(Path dir) throws Exception {
    StringBuilder sb = new StringBuilder();
    try (var s = Files.list(dir)) {
      for (Path f : s.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(f))) {
          sb.append(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
    return sb.toString();
  }

  @Test
  void tooManyBadRowsFailsAndWritesNothing(@TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    Jobs.runApi(new EntropyJob(), p.warehouse(), DS, sets(p, "affinity"), Map.of());
    Warehouse w = new Warehouse(spark, p.warehouse().toString());
    List<Row> before = w.read(EntropyJob.OUTPUT).orderBy("query").collectAsList();
    Map<String, String> strict = sets(p, "count");
    strict.put("entropy.max-quarantine-share", "0.05");
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new EntropyJob(), p.warehouse(), DS, strict, Map.of()));
    assertTrue(e.getMessage().startsWith("entropy: 9 of 30 rows of " + p.log()
        + " (30.00%) are bad, more than the allowed 5.00%; nothing was written. Sample:\n  "), e.getMessage());
    assertEquals(before, w.read(EntropyJob.OUTPUT).orderBy("query").collectAsList());
  }

  @Test
  void rejectsBadSettingsAndMissingColumns(@TempDir Path dir) throws Exception {
    Paths p = inputs(dir);
    Jobs.Outcome o = Jobs.main("entropy", "--warehouse", p.warehouse().toString(), "--set", "entropy.mode=widest");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("Cannot set entropy.mode to widest: expected one of affinity, count"), o.err());
    o = Jobs.main("entropy", "--warehouse", p.warehouse().toString(), "--set", "entropy.max-categories=0");
    assertEquals(2, o.status());
    assertTrue(o.err().contains("Cannot set entropy.max-categories to 0: expected an integer in [1, 1000]"), o.err());
    // Products passed as the search log: no query column.
    o = Jobs.main("entropy", "--warehouse", p.warehouse().toString(), "--search-log", p.products().toString(),
        "--products", p.products().toString());
    assertEquals(1, o.status());
    assertTrue(o.err().contains("Input " + p.products() + " has no column query; found columns category, product_id"),
        o.err());
  }

  /**
   * The same log and catalog, once as single JSON Lines files folded in one shuffle partition,
   * once as shuffled Parquet files in five parts folded in seven: the table must be the same to the
   * last bit (Scala's Double.toString is the shortest text that reads back as the same double).
   */
  @Test
  void differentPartitioningsGiveBitIdenticalRows(@TempDir Path dir) throws Exception {
    String[] paths = {"A > A1", "A > A2", "A > A3", "B > B1", "B > B2", "C > C1", "C", "D > D1 > x", "D > D2"};
    List<String> prod = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      prod.add(product("p" + i, paths[(i * 7) % paths.length]));
    }
    List<String> log = new ArrayList<>();
    java.util.Random rnd = new java.util.Random(7);
    for (int i = 0; i < 6000; i++) {
      int q = rnd.nextInt(80);
      // Each query leans to a few products of its own, with repeats and several spellings.
      int p = rnd.nextInt(3) == 0 ? rnd.nextInt(400) : (q * 13 + rnd.nextInt(25)) % 400;
      log.add(row((rnd.nextBoolean() ? "Query " : "query  ") + q, "p" + p, 1 + rnd.nextInt(50)));
    }
    Path jsonLog = dir.resolve("log.jsonl");
    Path jsonProducts = dir.resolve("products.jsonl");
    Files.writeString(jsonLog, String.join("\n", log) + "\n");
    Files.writeString(jsonProducts, String.join("\n", prod) + "\n");
    Path parquetLog = dir.resolve("log.parquet");
    Path parquetProducts = dir.resolve("products.parquet");
    spark.read().json(jsonLog.toString()).orderBy(org.apache.spark.sql.functions.rand(1)).repartition(5)
        .write().parquet(parquetLog.toString());
    spark.read().json(jsonProducts.toString()).orderBy(org.apache.spark.sql.functions.rand(2)).repartition(3)
        .write().parquet(parquetProducts.toString());

    String before = spark.conf().get("spark.sql.shuffle.partitions");
    List<List<String>> tables = new ArrayList<>();
    try {
      for (Object[] run : new Object[][] {{jsonLog, jsonProducts, "1"}, {parquetLog, parquetProducts, "7"}}) {
        spark.conf().set("spark.sql.shuffle.partitions", (String) run[2]);
        Path wh = dir.resolve("wh" + run[2]);
        Map<String, String> m = new HashMap<>();
        m.put("entropy.search-log", run[0].toString());
        m.put("entropy.products", run[1].toString());
        m.put("entropy.min-results", "3");
        Jobs.runApi(new EntropyJob(), wh, DS, m, Map.of());
        List<Row> rows = new Warehouse(spark, wh.toString()).read(EntropyJob.OUTPUT, DS).orderBy("query").collectAsList();
        // Not a trivial table: many categories per query, so the sums' order matters.
        assertTrue(rows.stream().filter(r -> r.<Double>getAs("entropy_count_l1") > 1.0).count() > 40, rows.toString());
        tables.add(rows.stream().map(Row::toString).toList());
      }
    } finally {
      spark.conf().set("spark.sql.shuffle.partitions", before);
    }
    assertEquals(80, tables.get(0).size());
    assertEquals(tables.get(0), tables.get(1));
  }
}

package dev.nightjar.search;

import static dev.nightjar.testing.BenchSupport.fmt;
import static dev.nightjar.testing.BenchSupport.seconds;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.sample.ProductGenerator;
import dev.nightjar.sample.SampleTables;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.taxonomy.Taxonomy;
import dev.nightjar.testing.BenchSupport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * {@code jobs/bench entropy --rows N}: the entropy job's Spark computation (read Parquet,
 * normalize queries, join the catalog, triage, both levels of both entropies, decisions; output
 * to Parquet) against DuckDB computing the same level-1 and level-2 entropies in SQL over the same
 * Parquet files. Both are warmed up on a small log first. The search log is generated in Spark:
 * each query draws its results from one focus leaf category with a query-specific probability
 * and from random leaves otherwise, so breadth ranges from specific to very broad.
 */
public final class EntropyBench implements Job {
  @Override
  public String name() {
    return "bench-entropy";
  }

  @Override
  public String description() {
    return "entropy computation: Spark vs DuckDB SQL over the same Parquet (goal spark_s <= 60 at 10M rows)";
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.value("rows", "N", "search-log rows", "10000000"),
        OptionSpec.value("products", "N", "catalog products", "200000"),
        OptionSpec.value("queries", "N", "distinct queries", "rows / 50"),
        OptionSpec.value("work", "DIR", "scratch directory", "target/bench/entropy"),
        OptionSpec.value("duckdb-memory", "SIZE", "DuckDB's memory limit", "2GB"),
        OptionSpec.flag("explain", "print the physical plans"));
  }

  @Override
  public JobResult run(JobContext context) {
    long rows = BenchSupport.longOption(context, "rows", 10_000_000);
    long products = BenchSupport.longOption(context, "products", 200_000);
    long queries = BenchSupport.longOption(context, "queries", Math.max(1, rows / 50));
    Path work = BenchSupport.workDir(context, "entropy");
    SparkSession spark = context.spark();
    Warehouse w = new Warehouse(spark, work.resolve("warehouse").toString());
    String catalog = work.resolve("catalog").toString();
    String log = work.resolve("log").toString();
    String warmLog = work.resolve("warm-log").toString();
    String sparkOut = work.resolve("spark-out").toString();

    context.stage("generate " + products + " catalog products");
    int partitions = Math.max(spark.sparkContext().defaultParallelism(), (int) (products / 100_000));
    SampleTables.products(spark, new ProductGenerator(Taxonomy.builtin(), 42, 0.0), products, partitions)
        .select("product_id", "category").write().parquet(catalog);
    context.stage("generate a search log of " + rows + " rows");
    generateLog(spark, catalog, rows, queries, log);
    long warmRows = Math.max(1, Math.min(rows, 200_000));
    generateLog(spark, catalog, warmRows, Math.max(1, warmRows / 50), warmLog);

    QueryEntropy.Decision decision = new QueryEntropy.Decision(QueryEntropy.Mode.AFFINITY, 1.5, 1.5, 5, 6);
    sparkPass(context, w, warmLog, catalog, decision, sparkOut);
    long t0 = System.nanoTime();
    long sparkQueries = sparkPass(context, w, log, catalog, decision, sparkOut);
    double sparkS = seconds(t0);

    String url = "jdbc:duckdb:" + work.resolve("duck.db");
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      // DuckDB's default is 80% of the machine's memory, outside the JVM's heap; on a shared
      // machine that is what the kernel's OOM killer ends.
      s.execute("SET memory_limit = '" + context.option("duckdb-memory").orElse("2GB") + "'");
      duckPass(s, warmLog, catalog);
      long t1 = System.nanoTime();
      long duckQueries = duckPass(s, log, catalog);
      double duckS = seconds(t1);
      String threads;
      try (ResultSet r = s.executeQuery("SELECT current_setting('threads')")) {
        r.next();
        threads = r.getString(1);
      }
      // Agreement: every query on both sides, the same top category, entropies within max_abs_diff.
      String cmp =
          "SELECT count(*) FILTER (WHERE s.query IS NULL OR d.query IS NULL),"
              + " count(*) FILTER (WHERE s.top_category IS DISTINCT FROM d.top_category OR s.result_count <> d.result_count),"
              + " max(greatest(abs(s.entropy_count_l1 - d.c1), abs(s.entropy_affinity_l1 - d.a1),"
              + "   abs(s.entropy_count_l2 - d.c2), abs(s.entropy_affinity_l2 - d.a2)))"
              + " FROM read_parquet('" + sparkOut + "/*.parquet') s FULL OUTER JOIN duck d ON s.query = d.query";
      long missing;
      long differ;
      double maxDiff;
      try (ResultSet r = s.executeQuery(cmp)) {
        r.next();
        missing = r.getLong(1);
        differ = r.getLong(2);
        maxDiff = r.getDouble(3);
      }
      String line = "BENCH entropy rows=" + rows
          + " queries=" + sparkQueries
          + " products=" + products
          + " spark_s=" + fmt(sparkS)
          + " duckdb_s=" + fmt(duckS)
          + " ratio=" + fmt(sparkS / duckS)
          + " cores=" + spark.sparkContext().defaultParallelism()
          + " duckdb_threads=" + threads
          + " duckdb_queries=" + duckQueries
          + " queries_missing=" + missing
          + " top_or_count_differ=" + differ
          + " max_abs_diff=" + maxDiff;
      System.out.println(line);
      if (missing > 0 || differ > 0 || !(maxDiff <= 1e-9)) {
        throw new JobFailedException("Spark and DuckDB disagree: " + line);
      }
      return JobResult.builder(name()).metric("spark_s", fmt(sparkS)).metric("duckdb_s", fmt(duckS))
          .metric("ratio", fmt(sparkS / duckS)).build();
    } catch (java.sql.SQLException e) {
      throw new JobFailedException("DuckDB failed: " + e.getMessage(), e);
    }
  }

  /**
   * Row i belongs to query k = hash(i) mod Q; query k takes its results from its focus leaf with a
   * probability between 0 and 1 of its own, else from a random leaf; the product is a hashed slot
   * of the chosen leaf. One query in ten is logged upper-cased and padded, as clients do.
   */
  static void generateLog(SparkSession spark, String catalogPath, long rows, long queries, String out) {
    Dataset<Row> catalog = spark.read().parquet(catalogPath);
    // The leaves are few: numbered on the driver, not in a window over the whole catalog.
    List<Row> sizes = new java.util.ArrayList<>(
        catalog.groupBy("category").agg(functions.count(lit(1)).as("size")).collectAsList());
    sizes.sort(java.util.Comparator.comparing(r -> r.getString(0)));
    List<Row> numbered = new java.util.ArrayList<>();
    for (int i = 0; i < sizes.size(); i++) {
      numbered.add(org.apache.spark.sql.RowFactory.create(sizes.get(i).getString(0), sizes.get(i).getLong(1), (long) i));
    }
    Dataset<Row> leaves = spark.createDataFrame(numbered, new org.apache.spark.sql.types.StructType()
        .add("category", "string").add("size", "long").add("leaf", "long"));
    long leafCount = numbered.size();
    Dataset<Row> slots =
        catalog.join(broadcast(leaves.select("category", "leaf")), "category")
            .withColumn("slot", functions.row_number().over(Window.partitionBy("leaf").orderBy("product_id")).minus(1))
            .select("leaf", "slot", "product_id");
    Column id = col("id");
    Column k = pmod(xxhash64(id, lit(1)), lit(queries));
    Column focusShare = pmod(xxhash64(col("k"), lit(2)), lit(101L)).divide(100.0);
    Column u = pmod(xxhash64(id, lit(3)), lit(1_000_000L)).divide(1_000_000.0);
    Column leaf =
        when(u.lt(focusShare), pmod(xxhash64(col("k"), lit(4)), lit(leafCount)))
            .otherwise(pmod(xxhash64(id, lit(5)), lit(leafCount)));
    Dataset<Row> draws =
        spark.range(0, rows, 1, Math.max(2, (int) (rows / 500_000)))
            .withColumn("k", k)
            .withColumn("leaf", leaf)
            .join(broadcast(leaves.select("leaf", "size")), "leaf")
            .withColumn("slot", pmod(xxhash64(id, lit(6)), col("size")));
    Column q = concat(lit("q"), col("k").cast("string"));
    draws.join(slots, new String[] {"leaf", "slot"})
        .select(
            when(pmod(xxhash64(id, lit(7)), lit(10L)).equalTo(0), concat(lit("  Q"), col("k").cast("string"), lit(" ")))
                .otherwise(q).as("query"),
            col("product_id"),
            pmod(xxhash64(col("k"), lit(8)), lit(1000L)).plus(1).as("searches"))
        .write().mode(SaveMode.Overwrite).parquet(out);
  }

  /**
   * The job's computation without its Delta writes: catalog, triage with the count of
   * each quarantine reason (the job's own pass), entropies, decisions; returns the number of queries.
   */
  static long sparkPass(JobContext context, Warehouse w, String log, String catalogPath,
      QueryEntropy.Decision decision, String out) {
    long t0 = System.nanoTime();
    try (EntropyJob.Computation c = EntropyJob.Computation.prepare(context, w, catalogPath, log, context.runDate())) {
      if (c.counts().size() != 1) {
        throw new JobFailedException("The generated log has bad rows: " + c.counts());
      }
      long t = System.nanoTime();
      context.stage("spark entropy of " + log);
      QueryEntropy.Entropies e = c.entropies();
      long queries = e.queries().count();
      long t2 = System.nanoTime();
      Dataset<Row> table = QueryEntropy.decide(e, decision);
      if (context.flag("explain")) {
        e.queries().explain("formatted");
        table.explain("formatted");
      }
      table.write().mode(SaveMode.Overwrite).parquet(out);
      System.err.printf(java.util.Locale.ROOT, "bench-entropy: %s: catalog and checks %.1f s, entropies %.1f s,"
              + " decisions and write %.1f s%n", log, (t - t0) / 1e9, (t2 - t) / 1e9, seconds(t2));
      return queries;
    }
  }

  /** The same level-1 and level-2 entropies in DuckDB SQL into table duck; returns its row count. */
  static long duckPass(Statement s, String log, String catalog) throws java.sql.SQLException {
    s.execute("DROP TABLE IF EXISTS duck");
    s.execute(String.join("\n",
        "CREATE TABLE duck AS",
        "WITH p AS (SELECT trim(product_id) AS product_id, split_part(category, ' > ', 1) AS top,",
        "             nullif(split_part(category, ' > ', 2), '') AS sub",
        "           FROM read_parquet('" + catalog + "/*.parquet')),",
        "t1 AS (SELECT top, count(*) AS t FROM p GROUP BY top),",
        "t2 AS (SELECT top, sub, count(*) AS t FROM p WHERE sub IS NOT NULL GROUP BY top, sub),",
        "l AS (SELECT DISTINCT trim(regexp_replace(lower(query), '\\s+', ' ', 'g')) AS query, trim(product_id) AS product_id",
        "      FROM read_parquet('" + log + "/*.parquet')),",
        "r AS (SELECT l.query, p.top, p.sub FROM l JOIN p USING (product_id)),",
        "c1 AS (SELECT query, top, count(*) AS r FROM r GROUP BY query, top),",
        "c1w AS (SELECT c1.query, c1.top, c1.r, c1.r / t1.t AS a,",
        "          sum(c1.r) OVER w AS n, sum(c1.r / t1.t) OVER w AS asum,",
        "          row_number() OVER (PARTITION BY c1.query ORDER BY c1.r DESC, c1.top) AS rk",
        "        FROM c1 JOIN t1 USING (top) WINDOW w AS (PARTITION BY c1.query)),",
        "q1 AS (SELECT query, sum(r) AS result_count, max(CASE WHEN rk = 1 THEN top END) AS top_category,",
        "         -sum(r / n * log2(r / n)) AS c1, -sum(a / asum * log2(a / asum)) AS a1",
        "       FROM c1w GROUP BY query),",
        "c2 AS (SELECT r.query, r.top, r.sub, count(*) AS r2 FROM r JOIN q1 ON r.query = q1.query AND r.top = q1.top_category",
        "       WHERE r.sub IS NOT NULL GROUP BY r.query, r.top, r.sub),",
        "c2w AS (SELECT c2.query, c2.r2, c2.r2 / t2.t AS a, sum(c2.r2) OVER w AS n, sum(c2.r2 / t2.t) OVER w AS asum",
        "        FROM c2 JOIN t2 USING (top, sub) WINDOW w AS (PARTITION BY c2.query)),",
        "q2 AS (SELECT query, -sum(r2 / n * log2(r2 / n)) AS c2, -sum(a / asum * log2(a / asum)) AS a2",
        "       FROM c2w GROUP BY query)",
        "SELECT q1.query, q1.result_count, q1.top_category, q1.c1, q1.a1, coalesce(q2.c2, 0) AS c2,",
        "       coalesce(q2.a2, 0) AS a2",
        "FROM q1 LEFT JOIN q2 USING (query)"));
    try (ResultSet r = s.executeQuery("SELECT count(*) FROM duck")) {
      r.next();
      return r.getLong(1);
    }
  }
}

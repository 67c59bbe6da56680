package dev.nightjar.search;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.common.UsageException;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.QuarantineGate;
import dev.nightjar.tables.Warehouse;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code jobs/run entropy}: how broad each query of the search log is, as table {@value #OUTPUT}
 * (one row per normalized query, partitioned by {@code ds}; see {@link QueryEntropy} for the
 * definitions), plus the lookup export that search serving loads with {@link EntropyLookup}.
 * Search-log rows with a null or empty query, no product id, an unknown product, a product
 * without a category, an invalid {@code searches} or a malformed line go to the quarantine.
 *
 * <p>Search volume (for {@code --calibrate-broad-share}): each logged spelling of a normalized
 * query counts its largest {@code searches} once ("Gift" 10 and "gift " 5 make "gift" 15).
 */
public final class EntropyJob implements Job {
  private static final Logger LOG = LoggerFactory.getLogger(EntropyJob.class);

  public static final String OUTPUT = "query_entropy";

  static final String SEARCH_LOG = "entropy.search-log";
  static final String PRODUCTS = "entropy.products";
  static final String MODE = "entropy.mode";
  static final String THRESHOLD_L1 = "entropy.threshold.l1";
  static final String THRESHOLD_L2 = "entropy.threshold.l2";
  static final String MIN_RESULTS = "entropy.min-results";
  static final String MAX_CATEGORIES = "entropy.max-categories";
  static final String MAX_QUARANTINE_SHARE = "entropy.max-quarantine-share";
  static final String EXPORT_ENABLED = "entropy.export.enabled";
  static final String EXPORT_PATH = "entropy.export.path";
  static final String EXPORT_FILES = "entropy.export.files";
  static final String EXPORT_COMPRESSION = "entropy.export.compression";

  /** The unbound option: calibrate the level-1 threshold to this share of search volume. */
  static final String CALIBRATE = "calibrate-broad-share";

  /** Reasons written to the quarantine. */
  public static final String MALFORMED = "malformed_record";
  public static final String EMPTY_QUERY = "empty_query";
  public static final String MISSING_PRODUCT_ID = "missing_product_id";
  public static final String UNKNOWN_PRODUCT = "unknown_product";
  public static final String NO_CATEGORY = "product_without_category";
  public static final String INVALID_SEARCHES = "invalid_searches";
  static final List<String> REASONS =
      List.of(MALFORMED, EMPTY_QUERY, MISSING_PRODUCT_ID, UNKNOWN_PRODUCT, NO_CATEGORY, INVALID_SEARCHES);

  /**
   * Catalogs up to this many products are sent to every task for the join with the log (a few
   * hundred MB at most) instead of shuffling the log by product id.
   */
  static final long BROADCAST_MAX_PRODUCTS = 5_000_000;

  /** Log input bytes per partition of the fold (see {@link Computation#foldPartitions}). */
  static final long FOLD_PARTITION_BYTES = 1L << 20;

  static final int FOLD_MAX_PARTITIONS = 4096;

  /** Quantiles of the entropy distribution the job logs. */
  static final double[] QUANTILES = {0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};

  record Options(
      String searchLog,
      String products,
      QueryEntropy.Decision decision,
      double maxQuarantineShare,
      Double calibrateShare,
      boolean exportEnabled,
      String exportPath,
      int exportFiles,
      String exportCompression) {
    static Options from(Config c, Map<String, String> options) {
      Double calibrate = null;
      String s = options.get(CALIBRATE);
      if (s != null) {
        try {
          calibrate = Double.parseDouble(s);
        } catch (NumberFormatException e) {
          calibrate = Double.NaN;
        }
        if (!(calibrate > 0 && calibrate <= 1)) {
          throw new UsageException("Cannot set --" + CALIBRATE + " to " + s + ": expected a share in (0, 1]");
        }
      }
      return new Options(
          Settings.string(c, SEARCH_LOG),
          Settings.string(c, PRODUCTS),
          new QueryEntropy.Decision(
              QueryEntropy.Mode.parse(Settings.oneOf(c, MODE, "affinity", "count")),
              Settings.doubleIn(c, THRESHOLD_L1, 0.0, 64.0),
              Settings.doubleIn(c, THRESHOLD_L2, 0.0, 64.0),
              Settings.longIn(c, MIN_RESULTS, 1, Long.MAX_VALUE),
              Settings.intIn(c, MAX_CATEGORIES, 1, 1000)),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0.0, 1.0),
          calibrate,
          Settings.bool(c, EXPORT_ENABLED),
          Settings.string(c, EXPORT_PATH),
          Settings.intIn(c, EXPORT_FILES, 1, 10_000),
          Settings.oneOf(c, EXPORT_COMPRESSION, "gzip", "none"));
    }
  }

  @Override
  public String name() {
    return "entropy";
  }

  @Override
  public String description() {
    return "how broad each search query is (entropy of its results' categories) into table " + OUTPUT;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("search-log", SEARCH_LOG, "PATH_OR_TABLE", "result sets: rows query, product_id [, searches, ds]"),
        OptionSpec.config("products", PRODUCTS, "PATH_OR_TABLE", "product categories: rows product_id, category"),
        OptionSpec.value(CALIBRATE, "S",
            "choose entropy.threshold.l1 so that this share of search volume is broad at level 1",
            "off: use entropy.threshold.l1"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config(), optionMap(context));
  }

  private static Map<String, String> optionMap(JobContext context) {
    return context.option(CALIBRATE).map(v -> Map.of(CALIBRATE, v)).orElse(Map.of());
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config(), optionMap(context));
    Warehouse w = Warehouse.of(context);
    LocalDate ds = context.runDate();

    try (Computation c = Computation.prepare(context, w, o.products(), o.searchLog(), ds);
        QuarantineGate gate = new QuarantineGate(name())) {
      Map<String, Long> counts = c.counts();
      long total = counts.values().stream().mapToLong(Long::longValue).sum();
      long bad = total - counts.getOrDefault(GOOD, 0L);
      // The fold counted the log rows (a good folded row stands for many) in its one pass.
      gate.passCounted(o.searchLog(), c.triaged(), total, bad, o.maxQuarantineShare());

      context.stage("compute entropies");
      QueryEntropy.Entropies e = c.entropies();
      Dataset<Row> entropiesDf = e.queries();
      long queries = entropiesDf.count();

      context.stage("entropy distribution");
      logQuantiles(entropiesDf);
      JobResult.Builder result = JobResult.builder(name());
      String exportDir = null;
      QueryEntropy.Decision decision = o.decision();
      if (o.calibrateShare() != null) {
        context.stage("calibrate the level-1 threshold");
        Calibration cal = calibrate(entropiesDf, decision, o.calibrateShare());
        LOG.info("entropy: calibrated {} = {} for a broad share of {} (achieved {} of search volume)",
            THRESHOLD_L1, cal.threshold(), o.calibrateShare(), cal.achievedShare());
        decision = new QueryEntropy.Decision(decision.mode(), cal.threshold(), decision.thresholdL2(),
            decision.minResults(), decision.maxCategories());
        result.metric("calibrated_threshold_l1", cal.threshold())
            .metric("calibrated_broad_share", cal.achievedShare());
      }

      context.stage("write " + OUTPUT);
      Dataset<Row> table = QueryEntropy.decide(e, decision);
      long written = w.replacePartition(OUTPUT, table, ds);
      result.rows(OUTPUT, written);
      if (o.exportEnabled()) {
        context.stage("write the lookup export");
        exportDir = writeExport(w, o, ds, w.read(OUTPUT, ds));
      }
      context.stage("write quarantine");
      long quarantined = gate.writeRejects(w, ds);
      result.rows(Quarantine.TABLE, quarantined).metric("input_rows", total);
      for (String r : REASONS) {
        if (counts.containsKey(r)) {
          result.metric(r, counts.get(r));
        }
      }
      Row levels = w.read(OUTPUT, ds).agg(
          functions.count(when(col(QueryEntropy.BROAD_LEVEL).equalTo(1), 1)),
          functions.count(when(col(QueryEntropy.BROAD_LEVEL).equalTo(2), 1))).first();
      return result.metric("queries", queries)
          .metric("broad_l1", levels.getLong(0))
          .metric("broad_l2", levels.getLong(1))
          .metric("mode", decision.mode().name().toLowerCase(Locale.ROOT))
          .metric("threshold_l1", decision.thresholdL1())
          .metric("catalog_products", c.catalogSize())
          .metric("export", exportDir == null ? "off" : exportDir)
          .build();
    }
  }

  /**
   * The persisted intermediate results of one entropy computation, shared by the job, its
   * benchmark and the report extracts: the catalog, its categories, and the log folded per query
   * in one pass ({@link QueryEntropy#fold}: every query's figures and the refused rows), with the
   * rows per quarantine reason. {@link #close} releases every cached piece.
   */
  static final class Computation implements AutoCloseable {
    private final Dataset<Row> catalog;
    private long catalogSize;
    private QueryEntropy.Categories cats;
    private Dataset<Row> folded;
    private Map<String, Long> counts;

    private Computation(Dataset<Row> catalog) {
      this.catalog = catalog;
    }

    static Computation prepare(JobContext context, Warehouse w, String products, String log, LocalDate ds) {
      context.stage("read products " + products);
      Dataset<Row> catalog = catalog(w, products, ds);
      context.stage("read, check and fold search log " + log);
      return of(catalog, searchLog(w, log, ds));
    }

    /** From a catalog as {@link #catalog} gives it and a search log with its columns checked. */
    static Computation of(Dataset<Row> catalog, Dataset<Row> log) {
      Computation c = new Computation(catalog.persist(StorageLevel.MEMORY_AND_DISK()));
      try {
        c.catalogSize = c.catalog.count();
        c.cats = QueryEntropy.Categories.of(c.catalog);
        // The only pass over the log: the checks, the volumes, the entropies and the quarantine
        // all read this small result (a row per query and per refused row).
        boolean uniqueHashes =
            c.catalog.select(functions.xxhash64(col(QueryEntropy.PRODUCT_ID))).distinct().count() == c.catalogSize;
        int partitions = foldPartitions(log);
        int outputPartitions = Math.min(partitions, log.sparkSession().sparkContext().defaultParallelism());
        // Folded in many small partitions, then merged without a shuffle into a few for what
        // follows (a row per query: little data).
        c.folded = QueryEntropy.fold(
                triage(log, c.cats, c.catalogSize <= BROADCAST_MAX_PRODUCTS, uniqueHashes), c.cats, partitions)
            .coalesce(outputPartitions)
            .persist(StorageLevel.MEMORY_AND_DISK());
        Column reason = col(Quarantine.REASON);
        c.counts = new java.util.TreeMap<>();
        for (Row r : c.folded.groupBy(coalesce(reason, lit(GOOD)))
            .agg(functions.sum(when(reason.isNull(), col(EntropyFold.ROWS)).otherwise(1L))).collectAsList()) {
          c.counts.put(r.getString(0), r.getLong(1));
        }
        return c;
      } catch (RuntimeException e) {
        c.close();
        throw e;
      }
    }

    /**
     * The fold's partitions: one per {@value #FOLD_PARTITION_BYTES} bytes of log input (Spark's
     * estimate from the files), at least the shuffle's default, at most {@value
     * #FOLD_MAX_PARTITIONS}. The fold holds a partition's queries in memory together: a few
     * hundred thousand rows (a few thousand queries) stay within the processor's caches, where
     * millions (4 partitions of a 10M-row log) waited on memory for every row.
     */
    static int foldPartitions(Dataset<Row> log) {
      long bytes = ((org.apache.spark.sql.classic.Dataset<Row>) log).queryExecution().optimizedPlan().stats()
          .sizeInBytes().longValue();
      int min = Integer.parseInt(log.sparkSession().conf().get("spark.sql.shuffle.partitions"));
      if (bytes == Long.MAX_VALUE) {
        return min; // a source without size estimates
      }
      return (int) Math.max(min, Math.min(FOLD_MAX_PARTITIONS, bytes / FOLD_PARTITION_BYTES + 1));
    }

    long catalogSize() {
      return catalogSize;
    }

    /** Log rows per quarantine reason, {@value #GOOD} for good rows. */
    Map<String, Long> counts() {
      return counts;
    }

    /** The triaged log folded: a row per good query, a row per refused log row (with its reason and raw row). */
    Dataset<Row> triaged() {
      return folded;
    }

    QueryEntropy.Entropies entropies() {
      return new QueryEntropy.Entropies(
          folded.where(col(Quarantine.REASON).isNull()).drop(Quarantine.REASON, Quarantine.RAW), cats);
    }

    @Override
    public void close() {
      if (folded != null) {
        folded.unpersist();
      }
      catalog.unpersist();
    }
  }

  /** Status of the good rows in {@link Computation#counts}. */
  static final String GOOD = "";

  /**
   * The catalog: one row per product id ({@value QueryEntropy#PRODUCT_ID}, {@value
   * QueryEntropy#TOP}, {@value QueryEntropy#SUB}); a product listed twice keeps the path that
   * sorts first (a listing with a category wins over one without); {@value QueryEntropy#TOP} is
   * null for a product without a category.
   */
  static Dataset<Row> catalog(Warehouse w, String input, LocalDate ds) {
    Dataset<Row> products = Inputs.read(w, input);
    requireColumns(products, input, QueryEntropy.PRODUCT_ID, "category");
    if (has(products, Warehouse.DS)) {
      // Predictions need not be rerun daily: the latest snapshot on or before the run date.
      Column dsCol = col(Warehouse.DS).cast(DataTypes.StringType);
      Row latest = products.where(dsCol.leq(ds.toString())).agg(functions.max(dsCol)).first();
      if (latest.isNullAt(0)) {
        throw new JobFailedException("Input " + input + " has no rows with ds on or before " + ds);
      }
      products = products.where(dsCol.equalTo(latest.getString(0)));
    }
    Column id = functions.trim(col(QueryEntropy.PRODUCT_ID).cast(DataTypes.StringType));
    Column[] levels = QueryEntropy.levels(col("category"));
    Dataset<Row> perId =
        products.select(id.as(QueryEntropy.PRODUCT_ID), col("category").cast(DataTypes.StringType).as("category"))
            .where(col(QueryEntropy.PRODUCT_ID).isNotNull().and(col(QueryEntropy.PRODUCT_ID).notEqual("")))
            .select(col(QueryEntropy.PRODUCT_ID), levels[0], levels[1])
            .groupBy(QueryEntropy.PRODUCT_ID)
            // A listing without a category gives a null struct, which min skips.
            .agg(functions.min(when(col(QueryEntropy.TOP).isNotNull(),
                functions.struct(col(QueryEntropy.TOP), col(QueryEntropy.SUB)))).as("c"));
    // Unique within the run; the caller persists the catalog, so the numbers stay put.
    return perId.select(col(QueryEntropy.PRODUCT_ID), functions.monotonically_increasing_id().as(QueryEntropy.PRODUCT_NO),
        col("c." + QueryEntropy.TOP).as(QueryEntropy.TOP), col("c." + QueryEntropy.SUB).as(QueryEntropy.SUB));
  }

  /** The search log of the run date (all of it when it has no ds column). */
  static Dataset<Row> searchLog(Warehouse w, String input, LocalDate ds) {
    Dataset<Row> log = Inputs.read(w, input);
    requireColumns(log, input, QueryEntropy.QUERY, QueryEntropy.PRODUCT_ID);
    if (has(log, Warehouse.DS)) {
      Column ofDate = col(Warehouse.DS).cast(DataTypes.StringType).equalTo(ds.toString());
      // A malformed line has no ds; keep it so that it is quarantined rather than silently dropped.
      log = log.where(has(log, Inputs.CORRUPT_RECORD) ? ofDate.or(col(Inputs.CORRUPT_RECORD).isNotNull()) : ofDate);
    }
    return log;
  }

  /**
   * Adds {@value Quarantine#REASON} (null for a good row), {@value Quarantine#RAW} and the columns
   * {@link QueryEntropy#fold} reads.
   */
  static Dataset<Row> triage(Dataset<Row> log, QueryEntropy.Categories cats, boolean broadcastCatalog,
      boolean hashJoin) {
    Column raw = Quarantine.rawJson(log);
    Column searchesRaw = has(log, QueryEntropy.SEARCHES) ? col(QueryEntropy.SEARCHES) : lit(null);
    boolean integral = has(log, QueryEntropy.SEARCHES)
        && log.schema().apply(QueryEntropy.SEARCHES).dataType() instanceof org.apache.spark.sql.types.IntegralType;
    // Text or fractional counts: what does not read as a whole number is quarantined.
    Column searches = integral ? searchesRaw.cast(DataTypes.LongType)
        : searchesRaw.cast(DataTypes.StringType).try_cast(DataTypes.LongType);
    Column corrupt = has(log, Inputs.CORRUPT_RECORD) ? col(Inputs.CORRUPT_RECORD).isNotNull() : lit(false);
    Column rawQuery = col(QueryEntropy.QUERY).cast(DataTypes.StringType);
    Dataset<Row> prepared =
        log.select(
            raw.as(Quarantine.RAW),
            corrupt.as("corrupt"),
            functions.xxhash64(rawQuery).as(QueryEntropy.RAW_HASH),
            QueryEntropy.normalize(rawQuery).as(QueryEntropy.QUERY),
            functions.trim(col(QueryEntropy.PRODUCT_ID).cast(DataTypes.StringType)).as("pid"),
            searchesRaw.isNotNull().as("searches_given"),
            searches.as(QueryEntropy.SEARCHES));
    // Joined on a 64-bit hash of the id when the catalog's hashes are unique: a long key is a
    // direct lookup, where a string key took a quarter of the pass probing Spark's byte map. The
    // ids are compared after the join, so an unknown id whose hash matches a product stays unknown.
    Dataset<Row> products = cats.products().withColumnRenamed(QueryEntropy.PRODUCT_ID, "catalog_id");
    Column match;
    if (hashJoin) {
      products = products.withColumn("catalog_key", functions.xxhash64(col("catalog_id")));
      prepared = prepared.withColumn("pid_key", functions.xxhash64(col("pid")));
      match = col("pid_key").equalTo(col("catalog_key"));
    } else {
      match = col("pid").equalTo(col("catalog_id"));
    }
    Column known = col("catalog_id").isNotNull().and(col("catalog_id").equalTo(col("pid")));
    Dataset<Row> joined =
        prepared.join(broadcastCatalog ? broadcast(products) : products, match, "left")
            .withColumn("known", when(known, lit(true)))
            .withColumn(QueryEntropy.PRODUCT_NO, when(known, col(QueryEntropy.PRODUCT_NO)))
            .withColumn(QueryEntropy.TOP_ID, when(known, col(QueryEntropy.TOP_ID)))
            .withColumn(QueryEntropy.SUB_ID, when(known, col(QueryEntropy.SUB_ID)))
            .withColumnRenamed("pid", QueryEntropy.PRODUCT_ID);
    Column q = col(QueryEntropy.QUERY);
    Column pid = col(QueryEntropy.PRODUCT_ID);
    Column reason =
        when(col("corrupt"), lit(MALFORMED))
            .when(q.isNull().or(q.equalTo("")), lit(EMPTY_QUERY))
            .when(pid.isNull().or(pid.equalTo("")), lit(MISSING_PRODUCT_ID))
            .when(col("known").isNull(), lit(UNKNOWN_PRODUCT))
            .when(col(QueryEntropy.TOP_ID).isNull(), lit(NO_CATEGORY))
            .when(col("searches_given").and(
                col(QueryEntropy.SEARCHES).isNull().or(col(QueryEntropy.SEARCHES).lt(0))), lit(INVALID_SEARCHES));
    // Only what the later steps read: the raw row only for bad rows.
    return joined.withColumn(Quarantine.REASON, reason)
        .select(
            col(Quarantine.REASON),
            when(col(Quarantine.REASON).isNotNull(), col(Quarantine.RAW)).as(Quarantine.RAW),
            col(QueryEntropy.QUERY),
            col(QueryEntropy.RAW_HASH),
            functions.coalesce(col(QueryEntropy.SEARCHES), lit(1L)).as(QueryEntropy.SEARCHES),
            col(QueryEntropy.PRODUCT_NO),
            col(QueryEntropy.TOP_ID),
            col(QueryEntropy.SUB_ID));
  }

  /** A chosen level-1 threshold and the share of search volume it makes broad at level 1. */
  record Calibration(double threshold, double achievedShare) {}

  /**
   * The level-1 threshold making {@code share} of search volume broad at level 1: queries that
   * may be broad (enough results) in decreasing order of level-1 entropy, the entropy of the first
   * at which their cumulative volume reaches the share (all of them when it never does). Equal
   * entropies are one step, so the achieved share can exceed the target.
   */
  static Calibration calibrate(Dataset<Row> entropies, QueryEntropy.Decision d, double share) {
    Row totals = entropies.agg(functions.sum(QueryEntropy.VOLUME)).first();
    long volume = totals.isNullAt(0) ? 0 : totals.getLong(0);
    if (volume == 0) {
      return new Calibration(d.thresholdL1(), 0.0);
    }
    // Only the distinct entropy values reach the driver, which adds them up in order (a window
    // over the whole dataset would run in one partition anyway).
    List<Row> steps =
        new ArrayList<>(entropies.where(col(QueryEntropy.RESULT_COUNT).geq(d.minResults()))
            .groupBy(col(d.mode().l1()).as("e"))
            .agg(functions.sum(QueryEntropy.VOLUME).as("v"))
            .collectAsList());
    if (steps.isEmpty()) {
      return new Calibration(d.thresholdL1(), 0.0);
    }
    steps.sort((a, b) -> Double.compare(b.getDouble(0), a.getDouble(0)));
    long cum = 0;
    for (Row step : steps) {
      cum += step.getLong(1);
      if (cum >= share * volume) {
        return new Calibration(step.getDouble(0), (double) cum / volume);
      }
    }
    return new Calibration(steps.get(steps.size() - 1).getDouble(0), (double) cum / volume);
  }

  private static void logQuantiles(Dataset<Row> entropies) {
    String[] cols = {QueryEntropy.COUNT_L1, QueryEntropy.AFFINITY_L1, QueryEntropy.COUNT_L2, QueryEntropy.AFFINITY_L2};
    double[][] q = entropies.stat().approxQuantile(cols, QUANTILES, 0.001);
    StringBuilder sb = new StringBuilder("entropy: quantiles (bits) at " + Arrays.toString(QUANTILES));
    for (int i = 0; i < cols.length; i++) {
      sb.append("\n  ").append(cols[i]).append(": ");
      for (double v : q[i]) {
        sb.append(String.format(Locale.ROOT, "%.3f ", v));
      }
    }
    LOG.info("{}", sb);
  }

  /** The directory holding one {@code ds=DATE} export per run ({@code entropy.export.path} or the default). */
  public static String exportRoot(Warehouse w, Config c) {
    return exportRoot(w, Settings.string(c, EXPORT_PATH));
  }

  private static String exportRoot(Warehouse w, String configured) {
    return configured.isEmpty() ? w.root() + "/exports/" + OUTPUT : configured;
  }

  /**
   * Writes the {@link EntropyLookup} export of one run date: to a fresh directory beside it, then
   * swapped in, so a reader never sees half a file set.
   */
  static String writeExport(Warehouse w, Options o, LocalDate ds, Dataset<Row> table) {
    String root = exportRoot(w, o.exportPath());
    Path target = new Path(root, "ds=" + ds);
    Path tmp = new Path(root, ".ds=" + ds + ".tmp-" + UUID.randomUUID());
    Dataset<String> lines =
        table.repartitionByRange(o.exportFiles(), col(QueryEntropy.QUERY))
            .sortWithinPartitions(QueryEntropy.QUERY)
            .map((MapFunction<Row, String>) EntropyJob::exportLine, Encoders.STRING());
    lines.write().option("compression", o.exportCompression()).text(tmp.toString());
    try {
      FileSystem fs = target.getFileSystem(w.spark().sparkContext().hadoopConfiguration());
      if (fs.exists(target) && !fs.delete(target, true)) {
        throw new IOException("cannot delete the previous export " + target);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("cannot rename " + tmp + " to " + target);
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the entropy export " + target + ": " + e.getMessage(), e);
    }
    return target.toString();
  }

  private static String exportLine(Row r) {
    List<Row> show = r.getList(r.fieldIndex(QueryEntropy.SHOW_CATEGORIES));
    List<String> names = new ArrayList<>(show.size());
    List<Double> shares = new ArrayList<>(show.size());
    for (Row s : show) {
      names.add(s.getString(0));
      shares.add(s.getDouble(1));
    }
    return EntropyLookup.formatLine(r.getAs(QueryEntropy.QUERY), r.<Integer>getAs(QueryEntropy.BROAD_LEVEL),
        r.getAs(QueryEntropy.TOP_CATEGORY), names, shares);
  }

  private static boolean has(Dataset<Row> df, String column) {
    return Arrays.asList(df.columns()).contains(column);
  }

  private static void requireColumns(Dataset<Row> df, String input, String... columns) {
    for (String c : columns) {
      if (!has(df, c)) {
        throw new JobFailedException("Input " + input + " has no column " + c + "; found columns "
            + String.join(", ", df.columns()));
      }
    }
  }
}

package dev.nightjar.text;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.Warehouse;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code jobs/run featurize}: products to table {@value #OUTPUT} ({@code product_id}, {@code
 * tokens}, {@code features}, {@code ds}). Rows without an id, with a duplicate id (the first by
 * content is kept), with no usable text or malformed in the input go to the quarantine.
 */
public final class FeaturizeJob implements Job {
  public static final String OUTPUT = "product_features";

  static final String INPUT = "featurize.input";
  static final String NUM_FEATURES = "featurize.num-features";
  static final String MAX_FIELD_CHARS = "featurize.max-field-chars";
  static final String MAX_QUARANTINE_SHARE = "featurize.max-quarantine-share";

  /** Reasons written to the quarantine. */
  public static final String MALFORMED = "malformed_record";
  public static final String MISSING_ID = "missing_product_id";
  public static final String DUPLICATE_ID = "duplicate_product_id";
  public static final String NO_TEXT = "no_usable_text";

  record Options(String input, int numFeatures, int maxFieldChars, double maxQuarantineShare) {
    static Options from(Config c) {
      return new Options(
          Settings.string(c, INPUT),
          Settings.intIn(c, NUM_FEATURES, 2, 1 << 30),
          Settings.intIn(c, MAX_FIELD_CHARS, 1, Integer.MAX_VALUE),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0.0, 1.0));
    }
  }

  @Override
  public String name() {
    return "featurize";
  }

  @Override
  public String description() {
    return "clean, tokenize and hash product text into table " + OUTPUT;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("input", INPUT, "PATH_OR_TABLE", "products: a warehouse table, Delta, Parquet, JSON Lines or CSV"),
        OptionSpec.config("num-features", NUM_FEATURES, "N", "length of the hashed term-frequency vector"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  /** The tokenizer and hasher of these options: the one definition of a product's features. */
  static ProductTokenizer tokenizer(Options o) {
    return new ProductTokenizer().setOutputCol("tokens").setMaxFieldChars(o.maxFieldChars());
  }

  static FarmHashingTF hashing(Options o) {
    return new FarmHashingTF().setInputCol("tokens").setOutputCol("features").setNumFeatures(o.numFeatures());
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = context.warehouse();
    context.stage("read " + o.input());
    Dataset<Row> input = ProductColumns.normalize(Inputs.read(w, o.input()), o.input());
    boolean hasCorrupt = Arrays.asList(input.columns()).contains(Inputs.CORRUPT_RECORD);
    Column raw = Quarantine.rawJson(input);
    Dataset<Row> withRaw = input.withColumn(Quarantine.RAW, raw);

    Dataset<Row> tokenized = tokenizer(o).transform(withRaw);
    Column id = col(ProductText.PRODUCT_ID);
    Column reason =
        when(hasCorrupt ? col(Inputs.CORRUPT_RECORD).isNotNull() : lit(false), lit(MALFORMED))
            .when(id.isNull().or(functions.trim(id).equalTo("")), lit(MISSING_ID))
            .when(functions.size(col("tokens")).equalTo(0), lit(NO_TEXT));
    Dataset<Row> classified = tokenized.withColumn(Quarantine.REASON, reason);
    // Among otherwise good rows, the first by content wins, so reruns keep the same row.
    Column[] order =
        java.util.stream.Stream.concat(ProductText.FIELDS.stream(), java.util.stream.Stream.of(Quarantine.RAW))
            .map(f -> col(f).asc_nulls_first())
            .toArray(Column[]::new);
    Column rankOrder =
        functions.row_number()
            .over(Window.partitionBy(id, col(Quarantine.REASON).isNull()).orderBy(order));
    classified =
        classified.withColumn(
            Quarantine.REASON,
            when(col(Quarantine.REASON).isNull().and(rankOrder.gt(1)), lit(DUPLICATE_ID))
                .otherwise(col(Quarantine.REASON)));
    classified.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      context.stage("count rows and quarantine");
      Column truncated = lit(0);
      for (String f : ProductText.FIELDS) {
        truncated = truncated.plus(when(functions.length(col(f)).gt(o.maxFieldChars()), 1).otherwise(0));
      }
      Row counts =
          classified
              .agg(
                  functions.count(lit(1)),
                  functions.count(col(Quarantine.REASON)),
                  functions.coalesce(functions.sum(truncated), lit(0L)))
              .first();
      long total = counts.getLong(0);
      long bad = counts.getLong(1);
      long truncatedFields = ((Number) counts.get(2)).longValue();
      Dataset<Row> rejected = classified.where(col(Quarantine.REASON).isNotNull());
      Quarantine.checkShare(name(), o.input(), total, rejected, bad, o.maxQuarantineShare());

      context.stage("hash and write " + OUTPUT);
      Dataset<Row> good =
          classified.where(col(Quarantine.REASON).isNull()).select(col(ProductText.PRODUCT_ID), col("tokens"));
      Dataset<Row> features = hashing(o).transform(good);
      long written = w.replacePartition(OUTPUT, features, context.runDate());
      context.stage("write quarantine");
      long quarantined = Quarantine.write(w, name(), context.runDate(), rejected);
      return JobResult.builder(name())
          .rows(OUTPUT, written)
          .rows(Quarantine.TABLE, quarantined)
          .metric("input_rows", total)
          .metric("truncated_fields", truncatedFields)
          .metric("num_features", o.numFeatures())
          .metric("hash", FeatureHashing.HASH_NAME)
          .build();
    } finally {
      classified.unpersist();
    }
  }
}

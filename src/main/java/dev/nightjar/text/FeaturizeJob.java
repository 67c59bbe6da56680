package dev.nightjar.text;

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
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.QuarantineGate;
import dev.nightjar.tables.Warehouse;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code jobs/run featurize}: products to table {@value #OUTPUT} ({@code product_id}, the
 * classifier's {@code terms} (its metadata recording the {@link Featurization}), the hashed vector
 * {@code features}, {@code ds}: see {@link ProductFeaturesTable}). Rows without an id, with a
 * duplicate id (the first by content is kept), with no usable text or malformed in the input go to
 * the quarantine.
 */
public final class FeaturizeJob implements Job {
  public static final String OUTPUT = "product_features";

  static final String INPUT = "featurize.input";
  static final String NUM_FEATURES = "featurize.num-features";
  static final String MAX_FIELD_CHARS = "featurize.max-field-chars";
  static final String MAX_QUARANTINE_SHARE = "featurize.max-quarantine-share";

  record Options(String input, int numFeatures, int maxFieldChars, double maxQuarantineShare,
      Featurization featurization) {
    static Options from(Config c) {
      return new Options(
          Settings.string(c, INPUT),
          Settings.intIn(c, NUM_FEATURES, 2, 1 << 30),
          Settings.intIn(c, MAX_FIELD_CHARS, 1, Integer.MAX_VALUE),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0.0, 1.0),
          Featurization.from(c));
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
        OptionSpec.config("num-features", NUM_FEATURES, "N", "length of the hashed term-frequency vector"),
        OptionSpec.config("language", "featurize.language", "CODE|LIST|auto", "stop words, elisions and stemmer"),
        OptionSpec.config("stem", "featurize.stem", "BOOL", "Snowball stemming"),
        OptionSpec.config("fold-accents", "featurize.fold-accents", "BOOL", "fold accents to ASCII"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
  }

  /**
   * The partitions of {@value #OUTPUT} share one featurization, recorded in its {@code terms}
   * column (Delta keeps a table's column metadata when a partition is replaced), so a run with
   * other settings fails before writing anything.
   */
  static void checkTableFeaturization(Warehouse w, Featurization f) {
    if (!w.exists(OUTPUT)) {
      return;
    }
    Featurization found;
    org.apache.spark.sql.types.StructType schema = w.read(OUTPUT).schema();
    String layout = ProductFeaturesTable.layoutDifference(schema);
    if (layout != null) {
      throw new JobFailedException("Cannot add to table " + OUTPUT + ": it has another layout (" + layout
          + "), written by an earlier featurize. Move the table aside (readers take it with --features PATH) and run again");
    }
    try {
      found = ProductFeaturizer.featurization(schema, OUTPUT);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException("Cannot add to table " + OUTPUT + ": " + e.getMessage()
          + ". Move the table aside (readers take it with --features PATH) and run again");
    }
    if (!found.equals(f)) {
      throw new JobFailedException("Table " + OUTPUT + " holds featurization " + found.describe()
          + ", this run's is " + f.describe() + ": the partitions of one table share one featurization. "
          + "Move the table aside (readers take it with --features PATH) or run with its settings");
    }
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    checkTableFeaturization(w, o.featurization());
    context.stage("read " + o.input());
    Dataset<Row> input = ProductColumns.normalize(Inputs.read(w, o.input()), o.input());
    // One shuffle, of the input rows by id, before the text work: the duplicate check then needs no
    // other, and the terms and vectors are never shuffled.
    // The raw JSON is made after the shuffle: shuffled beside the fields it doubled the bytes moved.
    Dataset<Row> byId = ProductRows.withRaw(input.repartition(col(ProductText.PRODUCT_ID)));
    Dataset<Row> featurized = ProductFeaturesTable.featurize(byId, o.featurization());
    Column truncated = lit(0);
    for (String f : ProductText.FIELDS) {
      truncated = truncated.plus(when(functions.length(col(f)).gt(o.maxFieldChars()), 1).otherwise(0));
    }
    Column reason = col(Quarantine.REASON);
    // Persisted narrow: the stored columns (compact: see ProductFeaturesTable), the reason, the raw
    // row only when refused, and the truncation count. The counts read two small columns of it and
    // the writes read it once each, so the input is read and featurized once.
    List<Column> kept = new java.util.ArrayList<>();
    kept.add(col(ProductText.PRODUCT_ID));
    ProductFeaturesTable.COLUMNS.forEach(c -> kept.add(col(c)));
    kept.add(reason);
    kept.add(when(reason.isNotNull(), col(Quarantine.RAW)).as(Quarantine.RAW));
    kept.add(truncated.as("truncated_fields"));
    Dataset<Row> triaged = ProductRows.triage(featurized, ProductFeaturesTable.noText(), null)
        .select(kept.toArray(new Column[0]));
    try (QuarantineGate gate = new QuarantineGate(name())) {
      context.stage("featurize, count rows and quarantine");
      QuarantineGate.Passed passed = gate.pass(o.input(), triaged, o.maxQuarantineShare(),
          functions.coalesce(functions.sum("truncated_fields"), lit(0L)));
      long truncatedFields = ((Number) passed.extras().get(0)).longValue();

      context.stage("write " + OUTPUT);
      Dataset<Row> features = passed.good().select(kept.subList(0, 1 + ProductFeaturesTable.COLUMNS.size())
          .toArray(new Column[0]));
      long written = w.replacePartition(OUTPUT, features, context.runDate(), ProductFeaturesTable.WRITE_OPTIONS);
      context.stage("write quarantine");
      long quarantined = gate.writeRejects(w, context.runDate());
      return JobResult.builder(name())
          .rows(OUTPUT, written)
          .rows(Quarantine.TABLE, quarantined)
          .metric("input_rows", passed.total())
          .metric("truncated_fields", truncatedFields)
          .metric("num_features", o.numFeatures())
          .metric("hash", FeatureHashing.HASH_NAME)
          .metric("featurization", o.featurization().describe())
          .build();
    }
  }
}

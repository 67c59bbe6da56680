package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.common.JobFailedException;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

/**
 * Typed, checked views of the three budget inputs. Each {@code triage*} method returns the rows
 * with typed columns, the raw row as JSON ({@link Quarantine#RAW}) and a {@link Quarantine#REASON}
 * that is null for good rows; reasons read {@code TABLE:WHAT}, e.g. {@code
 * shop_daily:duplicate_day}. Among rows sharing a key, the first by content stays good.
 */
final class BudgetInputs {
  static final String MALFORMED = "malformed_record";
  static final String MISSING_KEY = "missing_key";
  static final String BAD_CREATED_AT = "missing_or_bad_created_at";
  static final String FUTURE_DATE = "future_date";
  static final String NEGATIVE_OR_NAN_SPEND = "negative_or_nan_spend";
  static final String NEGATIVE_OR_NAN_VALUE = "negative_or_nan_value";
  static final String UNKNOWN_SHOP = "unknown_shop";
  static final String DUPLICATE_SHOP = "duplicate_shop_id";
  static final String DUPLICATE_DAY = "duplicate_day";
  static final String DUPLICATE_CAMPAIGN = "duplicate_campaign_id";

  static final List<String> SHOP_COLUMNS = List.of("shop_id", "created_at");
  static final List<String> DAILY_COLUMNS =
      List.of("shop_id", "date", "unique_visitors", "orders", "sales", "ad_spend", "marketing_sales");
  static final List<String> CAMPAIGN_COLUMNS =
      List.of("campaign_id", "shop_id", "created_at", "objective", "budget", "spend",
          "visitors_acquired", "sales_generated");

  private BudgetInputs() {}

  /** Fails naming the input when a required column is missing (before any row is read). */
  static void requireColumns(Dataset<Row> df, String input, List<String> required) {
    List<String> have = Arrays.asList(df.columns());
    List<String> missing = new ArrayList<>();
    for (String c : required) {
      if (!have.contains(c)) {
        missing.add(c);
      }
    }
    // A JSON file with only malformed lines has nothing but the corrupt-record column.
    if (!missing.isEmpty()) {
      throw new JobFailedException("Input " + input + " lacks column(s) " + String.join(", ", missing)
          + ": expected " + String.join(", ", required) + ", found " + String.join(", ", have));
    }
  }

  private static Column corrupt(Dataset<Row> df) {
    return Arrays.asList(df.columns()).contains(Inputs.CORRUPT_RECORD)
        ? col(Inputs.CORRUPT_RECORD).isNotNull()
        : lit(false);
  }

  private static Column blank(Column c) {
    return c.isNull().or(trim(c).equalTo(""));
  }

  /** Null, NaN or negative. */
  private static Column badNumber(Column c) {
    return c.isNull().or(functions.isnan(c)).or(c.lt(0));
  }

  private static Column optionalString(Dataset<Row> df, String name) {
    return Arrays.asList(df.columns()).contains(name) ? col(name).cast("string") : lit(null).cast("string");
  }

  private static Column reason(String table, String what) {
    return lit(table + ":" + what);
  }

  /** Marks rows after the first (by content) among good rows sharing {@code key} as {@code dup}. */
  private static Dataset<Row> markDuplicates(Dataset<Row> df, String table, String dup, Column... key) {
    Column first = functions.row_number().over(
        Window.partitionBy(concat(key, col(Quarantine.REASON).isNull())).orderBy(col(Quarantine.RAW)));
    return df.withColumn(Quarantine.REASON,
        when(col(Quarantine.REASON).isNull().and(first.gt(1)), reason(table, dup))
            .otherwise(col(Quarantine.REASON)));
  }

  private static Column[] concat(Column[] key, Column extra) {
    Column[] all = Arrays.copyOf(key, key.length + 1);
    all[key.length] = extra;
    return all;
  }

  /** Columns shop_id, created (date), country, main_category, raw, reason. */
  static Dataset<Row> triageShops(Dataset<Row> in, String input, LocalDate ds) {
    requireColumns(in, input, SHOP_COLUMNS);
    // try_cast everywhere below: under ANSI casts a value of the wrong type ('not a date', "many")
    // would fail the whole job; as null it is quarantined with its row's reason.
    Dataset<Row> df = in.select(
        col("shop_id").cast("string").as("shop_id"),
        col("created_at").try_cast("date").as("created"),
        optionalString(in, "country").as("country"),
        optionalString(in, "main_category").as("main_category"),
        corrupt(in).as("_corrupt"),
        Quarantine.rawJson(in).as(Quarantine.RAW));
    String t = "shops";
    df = df.withColumn(Quarantine.REASON,
        when(col("_corrupt"), reason(t, MALFORMED))
            .when(blank(col("shop_id")), reason(t, MISSING_KEY))
            .when(col("created").isNull(), reason(t, BAD_CREATED_AT))
            .when(col("created").gt(lit(ds.toString()).cast("date")), reason(t, FUTURE_DATE)));
    return markDuplicates(df, t, DUPLICATE_SHOP, col("shop_id")).drop("_corrupt");
  }

  /** Columns shop_id, day, visitors, orders, sales, ad_spend, marketing_sales, raw, reason. */
  static Dataset<Row> triageDaily(Dataset<Row> in, String input, LocalDate ds, Dataset<Row> goodShopIds) {
    requireColumns(in, input, DAILY_COLUMNS);
    Dataset<Row> df = in.select(
        col("shop_id").cast("string").as("shop_id"),
        col("date").try_cast("date").as("day"),
        col("unique_visitors").try_cast("double").as("visitors"),
        col("orders").try_cast("double").as("orders"),
        col("sales").try_cast("double").as("sales"),
        col("ad_spend").try_cast("double").as("ad_spend"),
        col("marketing_sales").try_cast("double").as("marketing_sales"),
        corrupt(in).as("_corrupt"),
        Quarantine.rawJson(in).as(Quarantine.RAW));
    df = withKnownShop(df, goodShopIds);
    String t = "shop_daily";
    df = df.withColumn(Quarantine.REASON,
        when(col("_corrupt"), reason(t, MALFORMED))
            .when(blank(col("shop_id")).or(col("day").isNull()), reason(t, MISSING_KEY))
            .when(col("day").gt(lit(ds.toString()).cast("date")), reason(t, FUTURE_DATE))
            .when(badNumber(col("ad_spend")), reason(t, NEGATIVE_OR_NAN_SPEND))
            .when(badNumber(col("visitors")).or(badNumber(col("orders"))).or(badNumber(col("sales")))
                .or(badNumber(col("marketing_sales"))), reason(t, NEGATIVE_OR_NAN_VALUE))
            .when(col("_known").isNull(), reason(t, UNKNOWN_SHOP)));
    return markDuplicates(df, t, DUPLICATE_DAY, col("shop_id"), col("day")).drop("_corrupt", "_known");
  }

  /** Columns campaign_id, shop_id, created, objective, budget, spend, visitors_acquired, sales_generated, raw, reason. */
  static Dataset<Row> triageCampaigns(Dataset<Row> in, String input, LocalDate ds, Dataset<Row> goodShopIds) {
    requireColumns(in, input, CAMPAIGN_COLUMNS);
    Dataset<Row> df = in.select(
        col("campaign_id").cast("string").as("campaign_id"),
        col("shop_id").cast("string").as("shop_id"),
        col("created_at").try_cast("date").as("created"),
        col("objective").cast("string").as("objective"),
        col("budget").try_cast("double").as("budget"),
        col("spend").try_cast("double").as("spend"),
        col("visitors_acquired").try_cast("double").as("visitors_acquired"),
        col("sales_generated").try_cast("double").as("sales_generated"),
        corrupt(in).as("_corrupt"),
        Quarantine.rawJson(in).as(Quarantine.RAW));
    df = withKnownShop(df, goodShopIds);
    String t = "campaigns";
    df = df.withColumn(Quarantine.REASON,
        when(col("_corrupt"), reason(t, MALFORMED))
            .when(blank(col("campaign_id")).or(blank(col("shop_id"))), reason(t, MISSING_KEY))
            .when(col("created").isNull(), reason(t, BAD_CREATED_AT))
            .when(col("created").gt(lit(ds.toString()).cast("date")), reason(t, FUTURE_DATE))
            .when(badNumber(col("budget")).or(badNumber(col("spend"))), reason(t, NEGATIVE_OR_NAN_SPEND))
            .when(badNumber(col("visitors_acquired")).or(badNumber(col("sales_generated"))),
                reason(t, NEGATIVE_OR_NAN_VALUE))
            .when(col("_known").isNull(), reason(t, UNKNOWN_SHOP)));
    return markDuplicates(df, t, DUPLICATE_CAMPAIGN, col("campaign_id")).drop("_corrupt", "_known");
  }

  /** Adds {@code _known}: non-null when the row's shop is a good shop. */
  private static Dataset<Row> withKnownShop(Dataset<Row> df, Dataset<Row> goodShopIds) {
    Dataset<Row> known = goodShopIds.select(col("shop_id").as("_known_id"), lit(true).as("_known"));
    return df.join(known, df.col("shop_id").equalTo(known.col("_known_id")), "left").drop("_known_id");
  }
}

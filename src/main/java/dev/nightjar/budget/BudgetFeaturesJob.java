package dev.nightjar.budget;

import static org.apache.spark.sql.functions.col;

import com.typesafe.config.Config;
import dev.nightjar.common.Job;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobFailedException;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.OptionSpec;
import dev.nightjar.common.Settings;
import dev.nightjar.featurestore.FeatureStore;
import dev.nightjar.tables.Inputs;
import dev.nightjar.tables.Quarantine;
import dev.nightjar.tables.QuarantineGate;
import dev.nightjar.tables.Warehouse;
import java.time.LocalDate;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * {@code jobs/run budget-features}: point-in-time shop features into table {@value #OUTPUT}
 * (partitioned by {@code ds}): one row per past campaign as of its creation day (the training
 * examples, with their outcome) and one per active shop as of the run date (the prediction
 * features). See {@link AsOfFeatures}. Bad input rows go to the quarantine (see {@link
 * BudgetInputs} for the reasons).
 */
public final class BudgetFeaturesJob implements Job {
  public static final String OUTPUT = "budget_features";

  static final String SHOPS = "budget.input.shops";
  static final String DAILY = "budget.input.shop-daily";
  static final String CAMPAIGNS = "budget.input.campaigns";
  static final String MAX_QUARANTINE_SHARE = "budget.max-quarantine-share";
  static final String OUTCOME_DAYS = "budget.features.outcome-days";

  record Options(String shops, String daily, String campaigns, double maxQuarantineShare, int outcomeDays) {
    static Options from(Config c) {
      return new Options(
          Settings.string(c, SHOPS),
          Settings.string(c, DAILY),
          Settings.string(c, CAMPAIGNS),
          Settings.doubleIn(c, MAX_QUARANTINE_SHARE, 0.0, 1.0),
          Settings.intIn(c, OUTCOME_DAYS, 1, 3660));
    }
  }

  @Override
  public String name() {
    return "budget-features";
  }

  @Override
  public String description() {
    return "as-of shop features for every campaign and every active shop into table " + OUTPUT;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(
        OptionSpec.config("shops", SHOPS, "PATH_OR_TABLE", "shops: a warehouse table, Delta, Parquet, JSON Lines or CSV"),
        OptionSpec.config("shop-daily", DAILY, "PATH_OR_TABLE", "one row per shop and day"),
        OptionSpec.config("campaigns", CAMPAIGNS, "PATH_OR_TABLE", "past campaigns with their outcomes"));
  }

  @Override
  public void validate(JobContext context) {
    Options.from(context.config());
    FeatureStore.checkConfig(context.config());
    // An embedded store under an HDFS/S3 warehouse fails here, before any data is read.
    if (Settings.string(context.config(), FeatureStore.KIND).equals("embedded")
        && Settings.string(context.config(), FeatureStore.PATH).isBlank()) {
      FeatureStore.localDir(Settings.string(context.config(), "warehouse.root"));
    }
  }

  /**
   * Writes the run date's {@code current} rows (the latest features of every active shop) into
   * the online feature store, as one snapshot labelled with the date. Returns the rows written.
   */
  static long publishLatest(FeatureStore store, Dataset<Row> features, LocalDate ds) {
    Dataset<Row> latest = features.where(col("point").equalTo(AsOfFeatures.POINT_CURRENT)).drop("point", "campaign_id");
    Column json = functions.to_json(functions.struct(
        java.util.Arrays.stream(latest.columns()).map(functions::col).toArray(Column[]::new)));
    Iterator<Row> rows = latest.select(col("shop_id").cast("string"), json).toLocalIterator();
    Iterator<Map.Entry<String, String>> entries = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Map.Entry<String, String> next() {
        Row r = rows.next();
        return Map.entry(r.getString(0), r.getString(1));
      }
    };
    try {
      return store.putAll(ds.toString(), entries);
    } catch (Exception e) {
      throw new JobFailedException("Cannot write the latest shop features to the online feature store ("
          + store.describe() + "): " + e.getMessage(), e);
    }
  }

  @Override
  public JobResult run(JobContext context) {
    Options o = Options.from(context.config());
    Warehouse w = Warehouse.of(context);
    var ds = context.runDate();
    context.stage("read inputs");
    Dataset<Row> shopsIn = Inputs.read(w, o.shops());
    Dataset<Row> dailyIn = Inputs.read(w, o.daily());
    Dataset<Row> campaignsIn = Inputs.read(w, o.campaigns());
    // Every input's columns are checked before any row is read.
    BudgetInputs.requireColumns(shopsIn, o.shops(), BudgetInputs.SHOP_COLUMNS);
    BudgetInputs.requireColumns(dailyIn, o.daily(), BudgetInputs.DAILY_COLUMNS);
    BudgetInputs.requireColumns(campaignsIn, o.campaigns(), BudgetInputs.CAMPAIGN_COLUMNS);

    try (QuarantineGate gate = new QuarantineGate(name())) {
      // Each input is counted and checked before the next is triaged against its good shops.
      double share = o.maxQuarantineShare();
      context.stage("check " + o.shops());
      QuarantineGate.Passed shops = gate.pass(o.shops(), BudgetInputs.triageShops(shopsIn, o.shops(), ds), share);
      Dataset<Row> shopIds = shops.good().select("shop_id");
      context.stage("check " + o.daily());
      QuarantineGate.Passed daily =
          gate.pass(o.daily(), BudgetInputs.triageDaily(dailyIn, o.daily(), ds, shopIds), share);
      context.stage("check " + o.campaigns());
      QuarantineGate.Passed campaigns =
          gate.pass(o.campaigns(), BudgetInputs.triageCampaigns(campaignsIn, o.campaigns(), ds, shopIds), share);

      context.stage("compute as-of features and write " + OUTPUT);
      Dataset<Row> features =
          AsOfFeatures.compute(shops.good(), daily.good(), campaigns.good(), ds, o.outcomeDays());
      long written = w.replacePartition(OUTPUT, features, ds);
      context.stage("count " + OUTPUT + " points");
      List<Row> perPoint = w.read(OUTPUT, ds).groupBy("point").count().orderBy("point").collectAsList();
      long online = -1;
      Optional<FeatureStore> store = FeatureStore.open(context.config(), w.root());
      if (store.isPresent()) {
        context.stage("write the latest features of every active shop to " + store.get().describe());
        try (FeatureStore fs = store.get()) {
          online = publishLatest(fs, w.read(OUTPUT, ds), ds);
        }
      }
      context.stage("write quarantine");
      long quarantined = gate.writeRejects(w, ds);
      JobResult.Builder result = JobResult.builder(name())
          .rows(OUTPUT, written)
          .rows(Quarantine.TABLE, quarantined)
          .metric("shops", shops.total())
          .metric("shop_days", daily.total())
          .metric("campaigns", campaigns.total());
      if (online >= 0) {
        result.metric("feature_store_rows", online);
      }
      for (Row r : perPoint) {
        result.metric("points." + r.getString(0), r.getLong(1));
      }
      return result.build();
    }
  }
}

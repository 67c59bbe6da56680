package dev.nightjar.sample;

import com.typesafe.config.Config;
import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Warehouse;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The budget part of {@code generate-sample}: tables {@code shops}, {@code shop_daily} and {@code
 * campaigns} drawn from {@link TrueResponseModel} (see there for the known response model), for
 * {@code sample.budget.shops} shops over the {@code sample.budget.days} days before the run date.
 * Rows are generated in the executors, shop by shop.
 */
public final class BudgetSample implements SampleDataset {
  static final String SHOPS = "sample.budget.shops";
  static final String DAYS = "sample.budget.days";
  public static final String BAD_SHARE = "sample.budget.bad-row-share";

  public static final StructType SHOPS_SCHEMA =
      new StructType()
          .add("shop_id", DataTypes.StringType)
          .add("created_at", DataTypes.TimestampType)
          .add("country", DataTypes.StringType)
          .add("main_category", DataTypes.StringType);
  public static final StructType DAILY_SCHEMA =
      new StructType()
          .add("shop_id", DataTypes.StringType)
          .add("date", DataTypes.DateType)
          .add("unique_visitors", DataTypes.LongType)
          .add("orders", DataTypes.LongType)
          .add("sales", DataTypes.DoubleType)
          .add("ad_spend", DataTypes.DoubleType)
          .add("marketing_sales", DataTypes.DoubleType);
  public static final StructType CAMPAIGNS_SCHEMA =
      new StructType()
          .add("campaign_id", DataTypes.StringType)
          .add("shop_id", DataTypes.StringType)
          .add("created_at", DataTypes.TimestampType)
          .add("objective", DataTypes.StringType)
          .add("budget", DataTypes.DoubleType)
          .add("spend", DataTypes.DoubleType)
          .add("visitors_acquired", DataTypes.LongType)
          .add("sales_generated", DataTypes.DoubleType);

  @Override
  public String name() {
    return "budget shops, shop_daily, campaigns";
  }

  /** The model of a sample run's settings. */
  public static TrueResponseModel model(Config c, long seed, java.time.LocalDate runDate) {
    return new TrueResponseModel(
        seed,
        Settings.longIn(c, SHOPS, 1, 100_000_000L),
        Settings.intIn(c, DAYS, 1, 3660),
        runDate,
        Settings.doubleIn(c, BAD_SHARE, 0.0, 0.5));
  }

  @Override
  public void write(JobContext context, SampleWorld world, Warehouse w, JobResult.Builder result) {
    TrueResponseModel m = model(context.config(), world.seed(), context.runDate());
    int partitions = (int) Math.max(w.spark().sparkContext().defaultParallelism(), m.shops() / 5_000);
    writeTables(context, w, m, partitions, result);
  }

  /** Writes the three tables of {@code m} as snapshots (used by the generator and the benchmark). */
  public static void writeTables(
      JobContext context, Warehouse w, TrueResponseModel m, int partitions, JobResult.Builder result) {
    SparkSession spark = w.spark();
    Broadcast<TrueResponseModel> bc = new JavaSparkContext(spark.sparkContext()).broadcast(m);
    context.stage("generate " + m.shops() + " shops");
    result.rows("shops", w.replaceAll("shops", generate(spark, bc, partitions, SHOPS_SCHEMA,
        (model, s) -> List.of(RowFactory.create(s.shopId(), ts(s.createdAt(), s.createdSecond()),
            s.country(), s.category())))));
    context.stage("generate " + m.days() + " days of shop_daily");
    result.rows("shop_daily", w.replaceAll("shop_daily", generate(spark, bc, partitions, DAILY_SCHEMA,
        (model, s) -> {
          List<Row> rows = new ArrayList<>();
          for (TrueResponseModel.Day d : model.days(s, model.campaigns(s))) {
            rows.add(RowFactory.create(d.shopId(), Date.valueOf(d.date()), d.uniqueVisitors(),
                d.orders(), d.sales(), d.adSpend(), d.marketingSales()));
          }
          return rows;
        })));
    context.stage("generate campaigns");
    result.rows("campaigns", w.replaceAll("campaigns", generate(spark, bc, partitions, CAMPAIGNS_SCHEMA,
        (model, s) -> {
          List<Row> rows = new ArrayList<>();
          for (TrueResponseModel.Campaign c : model.campaigns(s)) {
            rows.add(RowFactory.create(c.campaignId(), c.shopId(), ts(c.day(), c.second()),
                c.objective(), c.budget(), c.spend(), c.visitorsAcquired(), c.salesGenerated()));
          }
          return rows;
        })));
  }

  private static Timestamp ts(java.time.LocalDate day, int second) {
    return Timestamp.from(day.atStartOfDay().plusSeconds(second).toInstant(ZoneOffset.UTC));
  }

  /** The rows of one shop. */
  interface ShopRows extends java.io.Serializable {
    List<Row> rows(TrueResponseModel model, TrueResponseModel.Shop shop);
  }

  private static Dataset<Row> generate(
      SparkSession spark, Broadcast<TrueResponseModel> bc, int partitions, StructType schema, ShopRows f) {
    long n = bc.value().shops();
    return spark
        .range(0, n, 1, partitions)
        .flatMap(
            (FlatMapFunction<Long, Row>)
                i -> {
                  TrueResponseModel model = bc.value();
                  Iterator<Row> it = f.rows(model, model.shop(i)).iterator();
                  return it;
                },
            Encoders.row(schema));
  }
}

package dev.nightjar.budget;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.nightjar.tables.Deterministic;
import java.time.LocalDate;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

/**
 * Point-in-time features of table {@value BudgetFeaturesJob#OUTPUT}: one row per campaign, as of its
 * creation day, and one per active shop, as of the run date. "As of day D" means the shop's daily
 * rows of days {@code [D - 30, D - 1]} and its campaigns created on or before {@code D -
 * outcomeDays}; nothing from D itself or later is used.
 *
 * <p>The query points are unioned into the shop's daily rows and campaigns and every feature is a
 * range-window aggregate over that one stream per shop (one shuffle and one sort, no per-row
 * lookups): a query point's own values are null, so it only reads its neighbours.
 */
final class AsOfFeatures {
  static final int WINDOW_DAYS = 30;
  static final String POINT_CAMPAIGN = "campaign";
  static final String POINT_CURRENT = "current";

  private AsOfFeatures() {}

  /**
   * The mean of {@code c} over a frame, null for none. Its sum is exact: a shop's campaigns of one
   * day tie in the frame's order, which then depends on how the input was read.
   */
  private static Column exactMean(Column c, WindowSpec frame) {
    Column n = count(c).over(frame);
    return when(n.gt(0), Deterministic.exactSum(c).over(frame).cast("double").divide(n));
  }

  private static Column dayNumber(Column date) {
    return datediff(date, lit("1970-01-01").cast("date"));
  }

  /**
   * @param shops good shops: shop_id, created, country, main_category
   * @param daily good daily rows: shop_id, day, visitors, orders, sales, ad_spend, marketing_sales
   * @param campaigns good campaigns: campaign_id, shop_id, created, objective, budget, spend,
   *     visitors_acquired, sales_generated
   */
  static Dataset<Row> compute(
      Dataset<Row> shops, Dataset<Row> daily, Dataset<Row> campaigns, LocalDate ds, int outcomeDays) {
    Dataset<Row> d = daily.select(
        col("shop_id"), dayNumber(col("day")).as("dn"), lit("daily").as("kind"),
        col("visitors").as("v_visitors"), col("orders").as("v_orders"), col("sales").as("v_sales"),
        col("ad_spend").as("v_ad_spend"), col("marketing_sales").as("v_marketing_sales"));
    Column cpv = when(col("visitors_acquired").gt(0).and(col("spend").gt(0)),
        functions.log(col("spend").divide(col("visitors_acquired"))));
    Dataset<Row> c = campaigns.select(
        col("shop_id"), dayNumber(col("created")).as("dn"), lit(POINT_CAMPAIGN).as("kind"),
        col("campaign_id"), col("objective"), col("budget"), col("spend"), col("visitors_acquired"),
        col("sales_generated"), lit(1).as("c_present"),
        when(col("sales_generated").gt(0), 1).otherwise(0).as("c_success"),
        when(col("budget").gt(0), functions.log(col("budget"))).as("c_ln_budget"), cpv.as("c_ln_cpv"));
    Dataset<Row> now = shops.select(
        col("shop_id"), lit(ds.toEpochDay()).cast("int").as("dn"), lit(POINT_CURRENT).as("kind"));
    Dataset<Row> stream = d.unionByName(c, true).unionByName(now, true);

    WindowSpec byDay = Window.partitionBy("shop_id").orderBy("dn");
    WindowSpec recent = byDay.rangeBetween(-WINDOW_DAYS, -1);
    WindowSpec past = byDay.rangeBetween(Window.unboundedPreceding(), -outcomeDays);
    Column pastCampaigns = count(col("c_present")).over(past);
    Column pastSuccesses = coalesce(sum(col("c_success")).over(past), lit(0L));
    Dataset<Row> points = stream
        .select(
            col("shop_id"), col("kind").as("point"), col("campaign_id"), col("dn"),
            count(col("v_visitors")).over(recent).as("days_30d"),
            coalesce(sum(col("v_visitors")).over(recent), lit(0.0)).as("visitors_30d"),
            coalesce(sum(col("v_orders")).over(recent), lit(0.0)).as("orders_30d"),
            coalesce(sum(col("v_sales")).over(recent), lit(0.0)).as("sales_30d"),
            coalesce(avg(col("v_ad_spend")).over(recent), lit(0.0)).as("ad_spend_avg_30d"),
            coalesce(sum(col("v_marketing_sales")).over(recent), lit(0.0)).as("marketing_sales_30d"),
            pastCampaigns.as("past_campaigns"),
            pastSuccesses.as("past_successes"),
            exactMean(col("c_ln_budget"), past).as("past_budget_ln_mean"),
            exactMean(col("c_ln_cpv"), past).as("past_cpv_ln_mean"),
            col("objective"), col("budget"), col("spend"), col("visitors_acquired"), col("sales_generated"))
        .where(col("point").isin(POINT_CAMPAIGN, POINT_CURRENT));

    Dataset<Row> s = shops.select(col("shop_id").as("_shop"), dayNumber(col("created")).as("_created_dn"),
        col("country"), col("main_category"));
    Dataset<Row> joined = points.join(s, points.col("shop_id").equalTo(s.col("_shop")));
    Column age = greatest(lit(0), col("dn").minus(col("_created_dn")));
    // Active at the run date: some daily row in the window, or opened within it.
    Column active = col("point").equalTo(POINT_CAMPAIGN)
        .or(col("days_30d").gt(0)).or(age.leq(WINDOW_DAYS));
    return joined.where(active).select(
        col("shop_id"), col("point"), col("campaign_id"),
        functions.date_add(lit("1970-01-01").cast("date"), col("dn")).as("as_of"),
        col("country"), col("main_category"), age.as("shop_age_days"),
        col("days_30d"), col("visitors_30d"), col("orders_30d"), col("sales_30d"),
        col("ad_spend_avg_30d"), col("marketing_sales_30d"),
        col("past_campaigns"), col("past_successes"),
        when(col("past_campaigns").gt(0), col("past_successes").divide(col("past_campaigns")))
            .as("past_success_rate"),
        col("past_budget_ln_mean"), col("past_cpv_ln_mean"),
        col("objective"), col("budget"), col("spend"), col("visitors_acquired"), col("sales_generated"));
  }
}

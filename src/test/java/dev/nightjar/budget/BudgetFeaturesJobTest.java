package dev.nightjar.budget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * As-of features on a hand-made history. Shop s1 has daily rows before, on and after its campaigns'
 * creation days (and one on the run date itself); every expected value below is worked out by hand
 * from the 30-day window {@code [D - 30, D - 1]} and the campaigns created on or before {@code D -
 * 7}.
 */
class BudgetFeaturesJobTest {
  static final LocalDate DS = LocalDate.of(2026, 3, 1);
  private final SparkSession spark = SharedSpark.get();

  static final String SHOPS = String.join("\n",
      "{\"shop_id\":\"s1\",\"created_at\":\"2026-01-01T10:00:00\",\"country\":\"US\",\"main_category\":\"Toys\"}",
      "{\"shop_id\":\"s2\",\"created_at\":\"2026-02-25T08:00:00\",\"country\":\"DE\"}",
      "{\"shop_id\":\"s3\",\"created_at\":\"2025-01-01T00:00:00\",\"country\":\"FR\"}",
      "{\"created_at\":\"2026-01-01T00:00:00\",\"country\":\"FR\"}",
      "");

  private static String day(String shop, String date, long v, long o, double s, String ad, double m) {
    return String.format(java.util.Locale.ROOT,
        "{\"shop_id\":\"%s\",\"date\":\"%s\",\"unique_visitors\":%d,\"orders\":%d,\"sales\":%.1f,\"ad_spend\":%s,\"marketing_sales\":%.1f}",
        shop, date, v, o, s, ad, m);
  }

  static final String DAILY = String.join("\n",
      day("s1", "2026-01-20", 100, 5, 200, "10.0", 50),
      day("s1", "2026-02-10", 50, 2, 80, "20.0", 10),
      day("s1", "2026-02-10", 50, 2, 80, "25.0", 10),   // duplicate day: the first by content stays
      day("s1", "2026-02-12", 60, 2, 80, "-5.0", 10),   // negative spend
      day("s1", "2026-02-13", 60, 2, 80, "NaN", 10),    // NaN spend
      day("s1", "2026-02-14", 70, 3, 90, "30.0", 20),
      day("s1", "2026-02-15", 1000, 100, 5000, "500.0", 900),
      day("s1", "2026-02-28", 10, 1, 15, "6.0", 3),
      day("s1", "2026-03-01", 999, 99, 9999, "999.0", 999), // the run date: never in as-of features
      day("s1", "2026-03-05", 1, 1, 1, "1.0", 1),       // future
      day("s3", "2026-01-05", 5, 0, 0, "0.0", 0),
      day("zz", "2026-02-10", 5, 0, 0, "0.0", 0),       // unknown shop
      "");

  private static String campaign(String id, String shop, String created, String budget, double spend, long visitors, double sales) {
    return String.format(java.util.Locale.ROOT,
        "{\"campaign_id\":\"%s\",\"shop_id\":\"%s\",\"created_at\":\"%sT12:00:00\",\"objective\":\"sales\",\"budget\":%s,\"spend\":%.1f,\"visitors_acquired\":%d,\"sales_generated\":%.1f}",
        id, shop, created, budget, spend, visitors, sales);
  }

  static final String CAMPAIGNS = String.join("\n",
      campaign("c1", "s1", "2026-01-21", "10.0", 9, 30, 0),
      campaign("c2", "s1", "2026-02-15", "40.0", 36, 90, 100),
      campaign("c2", "s1", "2026-02-15", "45.0", 36, 90, 100), // duplicate id
      campaign("c3", "s1", "2026-02-20", "20.0", 20, 40, 50),
      campaign("c4", "s1", "2026-02-27", "30.0", 30, 50, 60),
      campaign("c5", "zz", "2026-02-01", "10.0", 10, 10, 0),   // unknown shop
      campaign("c6", "s1", "2026-03-04", "10.0", 10, 10, 0),   // future
      campaign("c7", "s1", "2026-02-01", "-1.0", 10, 10, 0),   // negative budget
      "");

  record Files3(Path shops, Path daily, Path campaigns) {}

  static Files3 write(Path dir) throws Exception {
    Path s = dir.resolve("shops.jsonl");
    Path d = dir.resolve("daily.jsonl");
    Path c = dir.resolve("campaigns.jsonl");
    Files.writeString(s, SHOPS);
    Files.writeString(d, DAILY);
    Files.writeString(c, CAMPAIGNS);
    return new Files3(s, d, c);
  }

  static Map<String, String> sets(Files3 f, double maxShare) {
    return Map.of("budget.input.shops", f.shops().toString(), "budget.input.shop-daily", f.daily().toString(),
        "budget.input.campaigns", f.campaigns().toString(),
        "budget.max-quarantine-share", String.valueOf(maxShare));
  }

  @ParameterizedTest
  @ValueSource(strings = {"api", "main"})
  void computesAsOfFeaturesWithoutLeakageAndQuarantinesBadRows(String entry, @TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Files3 f = write(dir);
    if (entry.equals("api")) {
      JobResult r = Jobs.runApi(new BudgetFeaturesJob(), wh, DS, sets(f, 0.9), Map.of());
      assertEquals(6L, r.rowsWritten().get(BudgetFeaturesJob.OUTPUT));
      assertEquals(10L, r.rowsWritten().get(Quarantine.TABLE));
      assertEquals(4L, r.metrics().get("points.campaign"));
      assertEquals(2L, r.metrics().get("points.current"));
    } else {
      Jobs.Outcome o = Jobs.main("budget-features", "--warehouse", wh.toString(), "--date", DS.toString(),
          "--shops", f.shops().toString(), "--shop-daily", f.daily().toString(),
          "--campaigns", f.campaigns().toString(), "--set", "budget.max-quarantine-share=0.9");
      assertEquals(0, o.status(), o.err());
      assertTrue(o.out().contains("rows.budget_features=6 rows.quarantine=10"), o.out());
    }
    Warehouse w = new Warehouse(spark, wh.toString());
    Map<String, Row> rows = w.read(BudgetFeaturesJob.OUTPUT, DS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("point").equals("current")
            ? "now:" + r.getAs("shop_id") : r.<String>getAs("campaign_id"), r -> r));
    assertEquals(List.of("c1", "c2", "c3", "c4", "now:s1", "now:s2"), rows.keySet().stream().sorted().toList());

    // c1, as of 2026-01-21: only 2026-01-20 in the window; no earlier campaign.
    expect(rows.get("c1"), "2026-01-21", 20, 1, 100, 5, 200, 10.0, 50, 0, 0, null, null, null);
    // c2, as of 2026-02-15: 01-20, 02-10 (the kept duplicate), 02-14; not 02-15 itself (its own day)
    // nor the quarantined 02-12 and 02-13. c1 (created 01-21 <= 02-08) is past.
    expect(rows.get("c2"), "2026-02-15", 45, 3, 220, 10, 370, 20.0, 80, 1, 0, 0.0, Math.log(10), Math.log(0.3));
    // c3, as of 02-20: 02-10, 02-14, 02-15 (01-20 left the window); c2 (created 02-15) is still running.
    expect(rows.get("c3"), "2026-02-20", 50, 3, 1120, 105, 5170, 550 / 3.0, 930, 1, 0, 0.0, Math.log(10), Math.log(0.3));
    // c4, as of 02-27: same days; c1, c2 and c3 (created <= 02-20) are past, two of them sold.
    expect(rows.get("c4"), "2026-02-27", 57, 3, 1120, 105, 5170, 550 / 3.0, 930, 3, 2, 2 / 3.0,
        (Math.log(10) + Math.log(40) + Math.log(20)) / 3, (Math.log(0.3) + Math.log(0.4) + Math.log(0.5)) / 3);
    // s1 as of the run date: 02-10, 02-14, 02-15, 02-28; never the run date's own row (999 visitors),
    // nor c4 (created 02-27, outcome not known yet).
    expect(rows.get("now:s1"), "2026-03-01", 59, 4, 1130, 106, 5185, 139.0, 933, 3, 2, 2 / 3.0,
        (Math.log(10) + Math.log(40) + Math.log(20)) / 3, (Math.log(0.3) + Math.log(0.4) + Math.log(0.5)) / 3);
    // s2 opened 4 days ago: active, no history at all.
    expect(rows.get("now:s2"), "2026-03-01", 4, 0, 0, 0, 0, 0.0, 0, 0, 0, null, null, null);
    assertEquals(40.0, rows.get("c2").<Double>getAs("budget"));
    assertEquals(100.0, rows.get("c2").<Double>getAs("sales_generated"));
    assertEquals("US", rows.get("c1").getAs("country"));
    assertNull(rows.get("now:s2").getAs("main_category"));

    List<String> reasons = w.read(Quarantine.TABLE, DS).where("job = 'budget-features'")
        .select(Quarantine.REASON).as(Encoders.STRING()).collectAsList().stream().sorted().toList();
    assertEquals(List.of(
        "campaigns:duplicate_campaign_id", "campaigns:future_date", "campaigns:negative_or_nan_spend",
        "campaigns:unknown_shop",
        "shop_daily:duplicate_day", "shop_daily:future_date", "shop_daily:negative_or_nan_spend",
        "shop_daily:negative_or_nan_spend", "shop_daily:unknown_shop",
        "shops:missing_key"), reasons);
    Row dup = w.read(Quarantine.TABLE, DS).where("reason = 'shop_daily:duplicate_day'").first();
    assertTrue(dup.<String>getAs(Quarantine.RAW).contains("\"ad_spend\":25.0"), dup.toString());
  }

  private static void expect(Row r, String asOf, int age, long days, double visitors, double orders, double sales,
      double adSpendAvg, double marketingSales, long pastCampaigns, long pastSuccesses, Double successRate,
      Double budgetLnMean, Double cpvLnMean) {
    String id = r.getAs("point") + " " + r.getAs("campaign_id");
    assertEquals(asOf, r.getAs("as_of").toString(), id);
    assertEquals(age, r.<Integer>getAs("shop_age_days"), id);
    assertEquals(days, r.<Long>getAs("days_30d"), id);
    assertEquals(visitors, r.<Double>getAs("visitors_30d"), 1e-9, id);
    assertEquals(orders, r.<Double>getAs("orders_30d"), 1e-9, id);
    assertEquals(sales, r.<Double>getAs("sales_30d"), 1e-9, id);
    assertEquals(adSpendAvg, r.<Double>getAs("ad_spend_avg_30d"), 1e-9, id);
    assertEquals(marketingSales, r.<Double>getAs("marketing_sales_30d"), 1e-9, id);
    assertEquals(pastCampaigns, r.<Long>getAs("past_campaigns"), id);
    assertEquals(pastSuccesses, r.<Long>getAs("past_successes"), id);
    assertNullable(successRate, r.getAs("past_success_rate"), id);
    assertNullable(budgetLnMean, r.getAs("past_budget_ln_mean"), id);
    assertNullable(cpvLnMean, r.getAs("past_cpv_ln_mean"), id);
  }

  private static void assertNullable(Double expected, Object actual, String id) {
    if (expected == null) {
      assertNull(actual, id);
    } else {
      assertEquals(expected, (Double) actual, 1e-9, id);
    }
  }

  @Test
  void rerunningADateGivesTheSameRows(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Files3 f = write(dir);
    Jobs.runApi(new BudgetFeaturesJob(), wh, DS, sets(f, 0.9), Map.of());
    Warehouse w = new Warehouse(spark, wh.toString());
    List<Row> first = w.read(BudgetFeaturesJob.OUTPUT).orderBy("point", "shop_id", "campaign_id").collectAsList();
    List<Row> q1 = w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList();
    Jobs.runApi(new BudgetFeaturesJob(), wh, DS, sets(f, 0.9), Map.of());
    assertEquals(first, w.read(BudgetFeaturesJob.OUTPUT).orderBy("point", "shop_id", "campaign_id").collectAsList());
    assertEquals(q1, w.read(Quarantine.TABLE).orderBy("reason", "raw").collectAsList());
  }

  @Test
  void tooManyBadRowsFailsAndWritesNothing(@TempDir Path dir) throws Exception {
    Path wh = dir.resolve("wh");
    Files3 f = write(dir);
    Jobs.runApi(new BudgetFeaturesJob(), wh, DS, sets(f, 0.9), Map.of());
    Warehouse w = new Warehouse(spark, wh.toString());
    List<Row> before = w.read(BudgetFeaturesJob.OUTPUT).orderBy("point", "shop_id", "campaign_id").collectAsList();
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new BudgetFeaturesJob(), wh, DS, sets(f, 0.2), Map.of()));
    assertTrue(e.getMessage().startsWith("budget-features: 1 of 4 rows of " + f.shops() + " (25.00%) are bad,"
        + " more than the allowed 20.00%; nothing was written."), e.getMessage());
    assertEquals(before, w.read(BudgetFeaturesJob.OUTPUT).orderBy("point", "shop_id", "campaign_id").collectAsList());
    Jobs.Outcome o = Jobs.main("budget-features", "--warehouse", wh.toString(), "--date", DS.toString(),
        "--shops", f.shops().toString(), "--shop-daily", f.daily().toString(), "--campaigns", f.campaigns().toString());
    assertEquals(1, o.status());
    assertTrue(o.err().startsWith("nightjar: job failed: budget-features: 1 of 4 rows of " + f.shops()), o.err());
  }

  @Test
  void aMissingColumnIsNamed(@TempDir Path dir) throws Exception {
    Files3 f = write(dir);
    Files.writeString(f.daily(), "{\"shop_id\":\"s1\",\"date\":\"2026-02-01\",\"unique_visitors\":3}\n");
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> Jobs.runApi(new BudgetFeaturesJob(), dir.resolve("wh"), DS, sets(f, 0.9), Map.of()));
    assertEquals("Input " + f.daily() + " lacks column(s) orders, sales, ad_spend, marketing_sales: expected"
        + " shop_id, date, unique_visitors, orders, sales, ad_spend, marketing_sales, found date, shop_id,"
        + " unique_visitors", e.getMessage());
  }
}

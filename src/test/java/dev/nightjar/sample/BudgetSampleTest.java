package dev.nightjar.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nightjar.common.JobContext;
import dev.nightjar.common.JobResult;
import dev.nightjar.common.Settings;
import dev.nightjar.tables.Warehouse;
import dev.nightjar.testing.SharedSpark;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetSampleTest {
  private static final LocalDate DS = LocalDate.of(2026, 6, 30);
  private final SparkSession spark = SharedSpark.get();

  @Test
  void sameRowsWhateverThePartitioning(@TempDir Path dir) {
    TrueResponseModel m = new TrueResponseModel(7, 300, 20, DS, 0.05);
    List<List<Row>> runs = new java.util.ArrayList<>();
    for (int partitions : new int[] {1, 5}) {
      Warehouse w = new Warehouse(spark, dir.resolve("wh" + partitions).toString());
      JobContext ctx = new JobContext("test", Settings.load(null, null, Map.of("warehouse.root", w.root())),
          DS, true, Map.of(), Set.of());
      JobResult.Builder r = JobResult.builder("test");
      BudgetSample.writeTables(ctx, w, m, partitions, r);
      List<Row> rows = new java.util.ArrayList<>();
      for (String t : List.of("shops", "shop_daily", "campaigns")) {
        rows.addAll(w.read(t).orderBy(w.read(t).columns()[0], w.read(t).columns()[1]).collectAsList());
      }
      runs.add(rows);
    }
    assertEquals(runs.get(0), runs.get(1));
  }

  @Test
  void theKnownModelBehavesAsDocumented() {
    TrueResponseModel m = new TrueResponseModel(42, 1000, 60, DS, 0.0);
    TrueResponseModel.Shop s = m.shop(3);
    assertEquals(s, m.shop(3));
    // More budget, more chance, with diminishing returns per unit of budget.
    double p10 = m.chance(s, 10);
    double p20 = m.chance(s, 20);
    assertTrue(p20 > p10 && p20 / 20 < p10 / 10, p10 + " " + p20);
    // The 20th-80th percentile range is the median times exp(-+0.8416 sigma), covering 60%.
    assertEquals(s.medianBudget() * Math.exp(-0.8416212 * TrueResponseModel.BUDGET_SIGMA), m.budgetQuantile(s, 0.2), 1e-6);
    assertEquals(0.6, m.coverage(s, m.budgetQuantile(s, 0.2), m.budgetQuantile(s, 0.8)), 1e-6);
    // Every campaign is within the window, before the run date; cold-start shops have none.
    for (long i = 0; i < 200; i++) {
      TrueResponseModel.Shop shop = m.shop(i);
      List<TrueResponseModel.Campaign> cs = m.campaigns(shop);
      if (shop.coldStart()) {
        assertEquals(List.of(), cs);
      }
      for (TrueResponseModel.Campaign c : cs) {
        assertTrue(c.day().isBefore(DS) && !c.day().isBefore(DS.minusDays(60)), c.toString());
      }
    }
  }
}

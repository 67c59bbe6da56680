package dev.nightjar.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * One shop's recommendation before the chances of sales: its objective, budget range, basis and
 * candidate budgets. {@code recommend-budget} (through the UDF {@code budget_plan}) and the
 * serving endpoint ({@link BudgetRecommender}) both take these steps here, in this order: range =
 * the model's band with campaign history, else the cold-start range, rounded to cents; objective
 * lookalike below the minimum audience (one candidate: {@link BudgetRule#lookalikeBudget}), else
 * sales (the {@link BudgetRule#grid} over the rounded range); candidates rounded to cents.
 */
public record BudgetPlan(String objective, double budgetLow, double budgetHigh, String basis, double[] candidates) {
  /** The UDF's result type (the record's fields). */
  static final StructType TYPE = new StructType()
      .add("objective", DataTypes.StringType, false)
      .add("budget_low", DataTypes.DoubleType, false)
      .add("budget_high", DataTypes.DoubleType, false)
      .add("basis", DataTypes.StringType, false)
      .add("candidates", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  /**
   * The plan of a shop with {@code pastCampaigns} campaigns (null = none), the range model's band
   * {@code modelLow..modelHigh}, {@code visitors} past-30-day visitors (null = unknown, not
   * lookalike) and its predicted cost per visitor.
   */
  public static BudgetPlan of(RecommendBudgetJob.Options o, Double pastCampaigns, double modelLow, double modelHigh,
      Double visitors, double costPerVisitor) {
    boolean history = pastCampaigns != null && pastCampaigns > 0;
    double low = round(history ? modelLow : o.defaultLow(), 2);
    double high = round(history ? modelHigh : o.defaultHigh(), 2);
    boolean lookalike = visitors != null && visitors < o.minAudience();
    double[] candidates = lookalike
        ? new double[] {BudgetRule.lookalikeBudget(visitors, o.minAudience(), costPerVisitor, high)}
        : BudgetRule.grid(low, high, o.gridPoints());
    for (int k = 0; k < candidates.length; k++) {
      candidates[k] = round(candidates[k], 2);
    }
    return new BudgetPlan(lookalike ? RecommendBudgetJob.LOOKALIKE : RecommendBudgetJob.SALES, low, high,
        history ? RecommendBudgetJob.BASIS_MODEL : RecommendBudgetJob.BASIS_DEFAULT, candidates);
  }

  Row toRow() {
    return RowFactory.create(objective, budgetLow, budgetHigh, basis, candidates);
  }

  /** Spark SQL's {@code round(x, scale)} of a double: HALF_UP on its decimal representation. */
  static double round(double x, int scale) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return BigDecimal.valueOf(x).setScale(scale, RoundingMode.HALF_UP).doubleValue();
  }
}

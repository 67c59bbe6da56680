package dev.nightjar.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/**
 * One shop's budget recommendation on demand: {@code recommend-budget}'s steps for a single
 * {@code budget_features} row, with the budget SavedModel ({@link BudgetScorer}) in place of the
 * Spark pipelines and {@link BudgetRule} for the choice. The order and the roundings are the
 * job's: range (the model's band with campaign history, else the cold-start range) rounded to
 * cents; lookalike objective below the minimum audience (one candidate), else the sales grid over
 * the rounded range; candidates rounded to cents; the chosen chance rounded to 4 decimals.
 */
public final class BudgetRecommender {
  /** A recommendation: the columns of table {@code budget_recommendations}. */
  public record Recommendation(
      String objective, double budgetLow, double budgetHigh, double recommendedBudget, double chanceOfSales, String basis) {}

  private final RecommendBudgetJob.Options options;

  public BudgetRecommender(RecommendBudgetJob.Options options) {
    this.options = options;
  }

  public Recommendation recommend(BudgetScorer scorer, Map<String, ?> row) {
    BudgetScorer.Prediction base = scorer.predict(List.of(withBudget(row, 1.0))).get(0);
    boolean history = number(row, "past_campaigns") > 0;
    double low = round(history ? base.rangeLow() : options.defaultLow(), 2);
    double high = round(history ? base.rangeHigh() : options.defaultHigh(), 2);
    double visitors = number(row, "visitors_30d");
    boolean lookalike = visitors < options.minAudience();
    double[] candidates = lookalike
        ? new double[] {BudgetRule.lookalikeBudget(visitors, options.minAudience(), base.costPerVisitor(), high)}
        : BudgetRule.grid(low, high, options.gridPoints());
    for (int k = 0; k < candidates.length; k++) {
      candidates[k] = round(candidates[k], 2);
    }
    double[] chances = scorer.chances(row, candidates);
    int pick = BudgetRule.choose(candidates, chances, options.minChance());
    if (pick < 0) {
      throw new IllegalStateException("No candidate budget has a chance of sales (all NaN) for row " + row);
    }
    return new Recommendation(
        lookalike ? RecommendBudgetJob.LOOKALIKE : RecommendBudgetJob.SALES,
        low, high, candidates[pick], round(chances[pick], 4),
        history ? RecommendBudgetJob.BASIS_MODEL : RecommendBudgetJob.BASIS_DEFAULT);
  }

  private static Map<String, Object> withBudget(Map<String, ?> row, double budget) {
    Map<String, Object> m = new java.util.HashMap<>(row);
    m.put("budget", budget);
    return m;
  }

  private static double number(Map<String, ?> row, String column) {
    Object o = row.get(column);
    if (!(o instanceof Number n)) {
      throw new IllegalArgumentException("Expected a number in column " + column + " of the shop's features, found " + o);
    }
    return n.doubleValue();
  }

  /** Spark SQL's {@code round(x, scale)} of a double: HALF_UP on its decimal representation. */
  static double round(double x, int scale) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return BigDecimal.valueOf(x).setScale(scale, RoundingMode.HALF_UP).doubleValue();
  }
}

package dev.nightjar.budget;

import java.util.List;
import java.util.Map;

/**
 * One shop's budget recommendation on demand: {@code recommend-budget}'s steps for a single
 * {@code budget_features} row, with the budget SavedModel ({@link BudgetScorer}) in place of the
 * Spark pipelines: the same {@link BudgetPlan} and {@link BudgetRule#choose}, the chosen chance
 * rounded to 4 decimals as the job rounds it.
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
    BudgetPlan plan = BudgetPlan.of(options, number(row, "past_campaigns"), base.rangeLow(), base.rangeHigh(),
        number(row, "visitors_30d"), base.costPerVisitor());
    double[] candidates = plan.candidates();
    double[] chances = scorer.chances(row, candidates);
    int pick = BudgetRule.choose(candidates, chances, options.minChance());
    if (pick < 0) {
      throw new IllegalStateException("No candidate budget has a chance of sales (all NaN) for row " + row);
    }
    return new Recommendation(plan.objective(), plan.budgetLow(), plan.budgetHigh(), candidates[pick],
        BudgetPlan.round(chances[pick], 4), plan.basis());
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

}
